// facemood window: the music. Search results are the queue; a click plays one in the window's player
// (player.js), the next starts when one ends; 👍/👎 on each; Match or Lift and the words per mood; the
// prompt offering songs when the mood changes. Python records and decides (songs.py, player.py,
// song_prompt.py); this file shows what it says and forwards clicks, like app.js.
"use strict";

const LIKE = 1;
const DISLIKE = -1;
const NO_RATING = 0;

const Music = (() => {
  let player = null;
  let queue = []; // the results shown, in order (a song: video_id, title, channel, ..., reason, rating)
  let shownQueue = null; // the queue the list was built for
  let foundFor = null; // the mood and query the queue was found for
  // The song in the player: its place in the queue, paused, done (Python was told it is off).
  let current = null;
  let profile = null;

  // --- the queue and the player ------------------------------------------------------------------

  // The next place from `from` going `step` (+1 or -1), skipping songs the user disliked; -1 if none.
  function nextPlayable(from, step) {
    for (let i = from + step; i >= 0 && i < queue.length; i += step) {
      if (queue[i].rating !== DISLIKE) return i;
    }
    return -1;
  }

  function play(index) {
    const song = queue[index];
    if (!song || !player) return;
    leave("skipped");
    current = { song, index, paused: true, done: false };
    player.load(song.video_id);
    setStatus(`Loading “${song.title}”…`);
    render();
  }

  // The song on now goes off (skipped, stopped): Python hears it once.
  function leave(reason) {
    if (current && !current.done) {
      current.done = true;
      call("player_event", current.song.video_id, reason);
    }
  }

  function stop() {
    leave("stopped");
    if (player) player.stop();
    current = null;
    render();
  }

  function step(direction) {
    const index = nextPlayable(current ? current.index : -1, direction);
    if (index >= 0) play(index);
  }

  function togglePause() {
    if (!current || current.done) return;
    if (current.paused) player.play();
    else player.pause();
  }

  async function onPlayerEvent(videoId, event, code) {
    if (!current || current.done || current.song.video_id !== videoId) return;
    if (event === "playing" || event === "paused") {
      current.paused = event === "paused";
      setStatus(current.paused ? "Paused" : `Playing · song ${current.index + 1} of ${queue.length}` +
        (foundFor ? ` · found for ${foundFor.mood}` : ""));
      render();
      await call("player_event", videoId, event);
      return;
    }
    current.done = true;
    current.paused = true;
    if (event === "ended") {
      call("player_event", videoId, "ended");
      const next = nextPlayable(current.index, 1);
      if (next >= 0) {
        play(next);
      } else {
        setStatus("End of the queue: pick a song or search again");
        render();
      }
      return;
    }
    // An error or no answer: Python opens the video in the browser and says so.
    setStatus(event === "error" ? `YouTube error ${code}…` : "The player does not answer…");
    render();
    const answer = await call("player_event", videoId, event, code);
    if (answer && answer.message) setStatus(answer.message, true);
  }

  function setStatus(text, warn = false) {
    $("player-status").textContent = text;
    $("player-status").className = "message" + (warn ? " warn" : "");
  }

  // --- 👍 / 👎 -------------------------------------------------------------------------------------

  async function rate(song, rating) {
    const value = song.rating === rating ? NO_RATING : rating; // pressed again: taken back
    if (!(await call("rate", song.video_id, value))) return;
    for (const s of queue) if (s.video_id === song.video_id) s.rating = value;
    song.rating = value;
    if (value === DISLIKE && current && !current.done && current.song.video_id === song.video_id) {
      const next = nextPlayable(current.index, 1); // not this one any more
      if (next >= 0) play(next);
      else stop();
    }
    render();
  }

  function rateButtons(song) {
    const button = (rating, face, title) => el("button", {
      class: "rate" + (song.rating === rating ? " on" : ""), title, "aria-pressed": String(song.rating === rating),
      "data-rating": String(rating),
      onclick: (e) => { e.stopPropagation(); rate(song, rating); },
    }, face);
    const mood = foundFor ? foundFor.mood : "this mood";
    return el("span", { class: "rating" }, button(LIKE, "👍", `I like this when ${mood}: rank it and its channel first`),
      button(DISLIKE, "👎", `Not for me when ${mood}: hide it from now on`));
  }

  // --- drawing -------------------------------------------------------------------------------------

  function render() {
    renderQueue();
    const card = $("player-card");
    card.hidden = !current;
    if (!current) return;
    const song = current.song;
    $("np-title").textContent = song.title;
    $("np-sub").textContent = [song.channel, song.duration].filter(Boolean).join(" · ");
    $("play-pause").title = current.paused ? "Play" : "Pause";
    $("play-pause").setAttribute("aria-label", $("play-pause").title);
    $("play-pause").querySelector(".icon-play").toggleAttribute("hidden", !current.paused);
    $("play-pause").querySelector(".icon-pause").toggleAttribute("hidden", current.paused);
    $("play-pause").disabled = current.done;
    $("prev").disabled = nextPlayable(current.index, -1) < 0;
    $("next").disabled = nextPlayable(current.index, 1) < 0;
    $("np-rating").replaceChildren(rateButtons(song));
  }

  // The list is built once per search and then updated in place, so it keeps its scroll position (and
  // its thumbnails) while songs change.
  function renderQueue() {
    const list = $("results");
    if (shownQueue !== queue) {
      list.replaceChildren(...queue.map((song, i) => el("li", {
        title: `Play “${song.title}” here`, "data-video": song.video_id, onclick: () => play(i),
      },
      // Offline or blocked thumbnails: a plain play mark keeps the list tidy.
      el("img", { src: song.thumbnail, alt: "", onerror: (e) => e.target.replaceWith(el("div", { class: "no-thumb" }, "▶")) }),
      el("div", { class: "what" },
        el("div", { class: "title" }, song.title),
        el("div", { class: "muted" }, [song.channel, song.duration].filter(Boolean).join(" · ")),
        song.reason ? el("div", { class: "reason" }, `★ ${song.reason}`) : ""),
      el("span", { class: "rating" }))));
      shownQueue = queue;
    }
    const playingId = current && !current.done ? current.song.video_id : null;
    queue.forEach((song, i) => {
      const item = list.children[i];
      item.classList.toggle("current", song.video_id === playingId);
      item.classList.toggle("disliked", song.rating === DISLIKE);
      item.querySelector(".rating").replaceWith(rateButtons(song));
    });
  }

  function renderPrompt(offer) {
    const box = $("suggestion");
    box.hidden = !offer;
    if (offer && box.dataset.mood !== offer.mood) {
      box.dataset.mood = offer.mood;
      $("suggestion-text").textContent = `You look ${offer.mood} now (you were ${offer.previous}).`;
      $("suggestion-go").textContent = `Find songs for ${offer.mood}`;
    }
    if (!offer) delete box.dataset.mood;
  }

  function renderSettings(o) {
    const s = o.settings;
    $("goals").replaceChildren(...o.goals.map((g) => el("button", {
      class: g.id === s.mood_goal ? "selected" : "", role: "radio", "aria-checked": String(g.id === s.mood_goal),
      "data-goal": g.id, onclick: () => call("set_mood_goal", g.id),
    }, g.name)));
    // Not while the user is typing in it: every overview would put the old words back.
    if (!$("mood-words").contains(document.activeElement)) {
      $("mood-words").replaceChildren(...o.model.emotions.flatMap((e) => [
        el("span", {}, e),
        el("input", { value: s.mood_words[e].own, placeholder: s.mood_words[e].default, "data-emotion": e,
          onchange: (ev) => call("set_mood_words", e, ev.target.value) }),
      ]));
    }
    $("suggest").checked = s.suggest_songs;
    for (const [id, value] of [["suggest-hold", s.suggest_hold_seconds], ["suggest-every", s.suggest_every_minutes]]) {
      if (document.activeElement !== $(id)) $(id).value = String(value);
    }
  }

  function renderHistory(history) {
    $("plays").replaceChildren(...(history.plays || []).map((p) => el("li", { class: p.lifted ? "lifted" : "" }, p.text)));
    $("plays-empty").hidden = (history.plays || []).length > 0;
    $("lifted").replaceChildren(...(history.lifted || []).map((s) => el("li", {},
      el("strong", {}, s.title), ` — lifted you from ${s.moods.join(", ")}` + (s.times > 1 ? ` (${s.times}×)` : ""))));
    $("lifted-box").hidden = !(history.lifted || []).length;
  }

  // --- actions -----------------------------------------------------------------------------------

  async function recommend(mood) {
    const button = $("recommend");
    button.disabled = true;
    $("recommend-message").className = "message";
    $("recommend-message").textContent = "Searching…";
    const provider = overview ? overview.settings.provider : "youtube";
    const result = await call("recommend", $("singer").value, $("language").value, provider, mood || $("mood-pick").value);
    button.disabled = false;
    if (!result) { $("recommend-message").textContent = ""; return; }
    $("recommend-message").textContent = result.message;
    $("recommend-message").className = "message" + (result.need_mood ? " warn" : "");
    if (result.need_mood) $("mood-pick").focus();
    if (!result.results || !result.results.length) return; // the queue playing now stays
    queue = result.results;
    foundFor = { mood: result.mood, query: result.query };
    if (current) current.index = queue.findIndex((s) => s.video_id === current.song.video_id);
    render();
  }

  async function answerPrompt(take) {
    const mood = $("suggestion").dataset.mood;
    renderPrompt(null);
    await call("dismiss_suggestion");
    if (take && mood) await recommend(mood);
  }


  return {
    init() {
      $("play-pause").addEventListener("click", togglePause);
      $("prev").addEventListener("click", () => step(-1));
      $("next").addEventListener("click", () => step(1));
      $("stop").addEventListener("click", stop);
      $("open-browser").addEventListener("click", () => current && call("open_url", current.song.url));
      $("recommend").addEventListener("click", () => recommend(null));
      $("suggestion-go").addEventListener("click", () => answerPrompt(true));
      $("suggestion-no").addEventListener("click", () => answerPrompt(false));
      // Each control saves its own setting: a stale value in another one must not overwrite a newer save.
      $("suggest").addEventListener("change", (e) => call("set_suggestions", e.target.checked, null, null));
      $("suggest-hold").addEventListener("change", (e) => call("set_suggestions", null, Number(e.target.value), null));
      $("suggest-every").addEventListener("change", (e) => call("set_suggestions", null, null, Number(e.target.value)));
    },

    onOverview(o) {
      if (!player) player = new EmbeddedPlayer($("player-frame"), o.player.origin, o.player.ready_timeout_ms, onPlayerEvent);
      if (profile !== null && o.profile !== profile) { // another person: their own music from here
        stop();
        queue = [];
        foundFor = null;
        $("recommend-message").textContent = "";
        render();
      }
      profile = o.profile;
      renderSettings(o);
      renderHistory(o.history);
    },

    onState(s) {
      renderPrompt(s.suggestion);
    },
  };
})();

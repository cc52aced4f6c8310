// facemood window: YouTube's embeddable player in an iframe, driven with postMessage.
//
// No YouTube script runs in this page: the page's policy frames the player's origin and nothing else,
// and script-src stays 'self'. So this speaks the embed's own message protocol (what YouTube's
// iframe_api script would do for us): send "listening" until the player answers, ask it for state
// changes and errors, then "playVideo". A player that never answers (no connection, the frame's page
// failed) is "unreachable" after the ready timeout.
"use strict";

const PLAYER_STATES = { 0: "ended", 1: "playing", 2: "paused" };
const LISTEN_EVERY_MS = 250;

class EmbeddedPlayer {
  // onEvent(videoId, event, code): event is "playing", "paused", "ended", "error" (code: YouTube's) or
  // "unreachable"; after the last three the frame is gone and nothing more comes for that video.
  constructor(container, origin, readyTimeoutMs, onEvent) {
    this.container = container;
    this.origin = origin;
    this.readyTimeoutMs = readyTimeoutMs;
    this.onEvent = onEvent;
    this.frame = null;
    window.addEventListener("message", (e) => this.receive(e));
  }

  load(videoId) {
    this.stop();
    this.videoId = videoId;
    this.state = null; // the last state reported
    this.ready = false;
    const src = new URL(`/embed/${encodeURIComponent(videoId)}`, this.origin);
    // origin: the page the player may talk to (YouTube checks it); the referrer names our origin only.
    src.search = new URLSearchParams({ enablejsapi: "1", origin: location.origin, rel: "0", playsinline: "1" });
    // The sandbox keeps the player from navigating this window or opening others; src goes last, once the
    // frame's rules are set.
    this.frame = el("iframe", {
      title: "YouTube player", referrerpolicy: "strict-origin-when-cross-origin", allow: "autoplay; encrypted-media",
      sandbox: "allow-scripts allow-same-origin", src: src.href,
    });
    this.frame.addEventListener("load", () => this.listen());
    this.container.replaceChildren(this.frame);
    this.readyTimer = setTimeout(() => this.finish("unreachable"), this.readyTimeoutMs);
  }

  play() { this.command("playVideo"); }

  pause() { this.command("pauseVideo"); }

  stop() {
    clearTimeout(this.readyTimer);
    clearInterval(this.listenTimer);
    this.container.replaceChildren();
    this.frame = null;
    this.videoId = null;
  }

  listen() {
    clearInterval(this.listenTimer);
    const hello = () => this.post({ event: "listening" });
    hello();
    this.listenTimer = setInterval(hello, LISTEN_EVERY_MS);
  }

  post(message) {
    if (this.frame && this.frame.contentWindow) {
      this.frame.contentWindow.postMessage(JSON.stringify({ ...message, id: 1, channel: "widget" }), this.origin);
    }
  }

  command(func, args = []) {
    if (this.ready) this.post({ event: "command", func, args });
  }

  receive(e) {
    if (!this.frame || e.source !== this.frame.contentWindow || e.origin !== this.origin) return;
    let message;
    try {
      message = typeof e.data === "string" ? JSON.parse(e.data) : null;
    } catch (err) {
      return;
    }
    if (!message || typeof message !== "object") return;
    clearInterval(this.listenTimer); // it answered
    const info = message.info;
    if (message.event === "onReady" && !this.ready) {
      clearTimeout(this.readyTimer);
      this.ready = true;
      this.command("addEventListener", ["onStateChange"]);
      this.command("addEventListener", ["onError"]);
      this.play();
    } else if (message.event === "onStateChange") {
      this.report(info);
    } else if (message.event === "infoDelivery" && info && typeof info.playerState === "number") {
      this.report(info.playerState);
    } else if (message.event === "onError") {
      this.finish("error", Number(info));
    }
  }

  report(state) {
    const event = PLAYER_STATES[state];
    if (!event || event === this.state) return;
    this.state = event;
    if (event === "ended") this.finish("ended");
    else this.onEvent(this.videoId, event);
  }

  finish(event, code = null) {
    const videoId = this.videoId;
    if (videoId === null) return;
    this.stop(); // an ended or failed player shows nothing the window wants (end screens link elsewhere)
    this.onEvent(videoId, event, code);
  }
}

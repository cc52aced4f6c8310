// The live view: the loopback server's MJPEG stream (stream.mjpg), drawn into the #video canvas.
// An <img src="stream.mjpg"> would be simpler, but Chromium keeps every decoded frame of it in its image
// cache, hundreds of MB within a minute; a frame decoded here is freed as soon as it is drawn. Only the
// newest frame is decoded: one that comes while another decodes replaces any that was waiting.
"use strict";

const LiveView = (() => {
  const HEADER_END = [13, 10, 13, 10]; // \r\n\r\n: the end of a part's headers
  const RETRY_MS = 1000;
  let reading = null; // the AbortController of the stream being read
  let decoding = false;
  let waiting = null; // the newest frame not drawn yet
  let drawn = 0;

  function indexOf(bytes, pattern, limit) {
    search: for (let i = 0; i <= Math.min(bytes.length, limit) - pattern.length; i++) {
      for (let j = 0; j < pattern.length; j++) if (bytes[i + j] !== pattern[j]) continue search;
      return i;
    }
    return -1;
  }

  // The first whole part in `bytes`: {jpeg, rest}, or null until more bytes come. Each part is
  // "--boundary\r\nContent-Type: image/jpeg\r\nContent-Length: N\r\n\r\n" + N bytes + "\r\n".
  function nextPart(bytes) {
    const end = indexOf(bytes, HEADER_END, 1024);
    if (end < 0) return null;
    const headers = new TextDecoder().decode(bytes.subarray(0, end));
    const length = Number((/content-length:\s*(\d+)/i.exec(headers) || [])[1]);
    if (!Number.isInteger(length)) throw new Error("the live view's stream sent a frame without its length");
    const start = end + HEADER_END.length;
    if (bytes.length < start + length + 2) return null;
    return { jpeg: bytes.slice(start, start + length), rest: bytes.subarray(start + length + 2) };
  }

  function show(jpeg) {
    if (decoding) {
      waiting = jpeg;
      return;
    }
    decoding = true;
    createImageBitmap(new Blob([jpeg], { type: "image/jpeg" }))
      .then((bitmap) => {
        const canvas = document.getElementById("video");
        if (canvas.width !== bitmap.width || canvas.height !== bitmap.height) {
          canvas.width = bitmap.width;
          canvas.height = bitmap.height;
        }
        // Opaque: the compositor copies the picture instead of blending it over the page (half the cost).
        canvas.getContext("2d", { alpha: false }).drawImage(bitmap, 0, 0);
        bitmap.close();
        drawn += 1;
      })
      .catch((err) => console.error("a live view frame did not decode", err))
      .finally(() => {
        decoding = false;
        const next = waiting;
        waiting = null;
        if (next) show(next);
      });
  }

  async function read(signal) {
    const response = await fetch("stream.mjpg", { signal, cache: "no-store" });
    if (!response.ok) throw new Error(`the live view's stream answered ${response.status}`);
    const reader = response.body.getReader();
    let pending = new Uint8Array(0);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      const joined = new Uint8Array(pending.length + value.length);
      joined.set(pending);
      joined.set(value, pending.length);
      pending = joined;
      for (let part = nextPart(pending); part; part = nextPart(pending)) {
        pending = part.rest;
        show(part.jpeg);
      }
    }
  }

  // Read the stream until stop(); if it ends or fails (the server is busy, a reload), try again.
  async function start() {
    if (reading) return;
    const controller = new AbortController();
    reading = controller;
    while (reading === controller) {
      try {
        await read(controller.signal);
      } catch (err) {
        if (controller.signal.aborted) return;
        console.error(err);
      }
      await new Promise((done) => setTimeout(done, RETRY_MS));
    }
  }

  // Stop reading: the server then has no reader and makes no more frames.
  function stop() {
    if (reading) reading.abort();
    reading = null;
    waiting = null;
  }

  return { start, stop, drawn: () => drawn };
})();

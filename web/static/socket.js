// socket.js: what the chat page and the console share. A LineSocket is one
// WebSocket to a netlab server, where every text message is one line, and
// the header's address field, Connect/Disconnect button and status.
"use strict";

// wsURL turns what someone typed in the address field into a WebSocket URL:
// "host:port" gets ws:// in front and /ws behind it.
function wsURL(text) {
  let s = text.trim();
  if (!/^wss?:\/\//i.test(s)) {
    s = (location.protocol === "https:" ? "wss://" : "ws://") + s;
  }
  const u = new URL(s);
  if (u.pathname === "/" || u.pathname === "") {
    u.pathname = "/ws";
  }
  return u.toString();
}

// clock formats a time as HH:MM:SS in the reader's own clock.
function clock(t) {
  return t.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
}

// el makes an element with a class and text; text is never parsed as HTML.
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

// Why a WebSocket closed, in words, from its close code.
const closeReasons = {
  1000: "the server closed the connection",
  1001: "the server is going away",
  1003: "the server does not accept binary messages",
  1006: "the connection was lost",
  1008: "the server refused a message",
  1009: "a message was too big",
  1011: "the server hit an error",
  1013: "the server is busy: try again later",
};

class LineSocket {
  // opts: onopen(), online(line), onclose(text, byUser)
  constructor(opts) {
    this.opts = opts;
    this.ws = null;
    this.byUser = false;
    this.form = document.getElementById("connect");
    this.addr = document.getElementById("addr");
    this.button = document.getElementById("connect-button");
    this.status = document.getElementById("status");
    this.banner = document.getElementById("banner");
    const params = new URLSearchParams(location.search);
    this.addr.value = params.get("server") || location.host;
    this.form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      if (this.ws) this.disconnect();
      else this.connect();
    });
  }

  get open() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  setState(state, text) {
    this.status.dataset.state = state;
    this.status.textContent = text;
    document.body.dataset.state = state;
    this.button.textContent = state === "offline" ? "Connect" : "Disconnect";
    this.addr.disabled = state !== "offline";
  }

  showBanner(text) {
    this.banner.textContent = text;
    this.banner.hidden = !text;
  }

  connect() {
    let url;
    try {
      url = wsURL(this.addr.value);
    } catch (e) {
      this.showBanner("That is not a server address: write HOST:PORT, like 127.0.0.1:8080.");
      return;
    }
    this.showBanner("");
    this.byUser = false;
    this.setState("connecting", "Connecting to " + new URL(url).host + "…");
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.setState("online", "Connected to " + new URL(url).host);
      this.opts.onopen();
    });
    ws.addEventListener("message", (ev) => {
      if (typeof ev.data === "string") this.opts.online(ev.data);
    });
    ws.addEventListener("close", (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.setState("offline", "Not connected");
      let text;
      if (this.byUser) {
        text = "You disconnected.";
      } else {
        const why = ev.reason || closeReasons[ev.code] || "the connection closed";
        text = "Disconnected: " + why + " (code " + ev.code + "). Press Connect to join again.";
        this.showBanner(text);
      }
      this.opts.onclose(text, this.byUser);
    });
  }

  disconnect() {
    if (!this.ws) return;
    this.byUser = true;
    this.ws.close(1000, "bye");
  }

  // send sends one line; it reports whether the socket was open.
  send(line) {
    if (!this.open) return false;
    this.ws.send(line);
    return true;
  }
}

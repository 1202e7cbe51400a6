// chat.js: the chat room. It reads the lines of the chat protocol
// (docs/protocols.md) and shows them for people: messages with their
// senders and times, direct messages apart, notices, the online list.
"use strict";

const log = document.getElementById("log");
const input = document.getElementById("input");
const sayForm = document.getElementById("say");
const nickForm = document.getElementById("nick");
const nameField = document.getElementById("name");
const whoList = document.getElementById("who");
const count = document.getElementById("count");
const dms = document.getElementById("dms");
const dmEmpty = document.getElementById("dm-empty");

const name = "[A-Za-z0-9_-]{1,32}";
const patterns = {
  dm: new RegExp("^(" + name + ") \\(dm\\): (.*)$", "s"),
  say: new RegExp("^(" + name + "): (.*)$", "s"),
  welcome: new RegExp("^\\* welcome (" + name + ")$"),
  youAre: new RegExp("^\\* you are (" + name + ")$"),
  joined: new RegExp("^\\* (" + name + ") joined$"),
  left: new RegExp("^\\* (" + name + ") left$"),
  renamed: new RegExp("^\\* (" + name + ") is now (" + name + ")$"),
  online: /^\* online:(.*)$/,
  msg: /^\/msg +(\S+) +(.+)$/s,
  percent: /^%([^%]+)%(.+)$/s,
};

let me = "";
let online = new Set();
let whoAsked = 0; // "/who" the page sent itself: their answers fill the list, not the log
let keepAlive = null;

// A colour per name, so that a speaker is easy to follow down the log.
function hue(who) {
  let h = 0;
  for (const ch of who) h = (h * 31 + ch.codePointAt(0)) >>> 0;
  return "c" + (h % 8);
}

function atBottom() {
  return log.scrollHeight - log.scrollTop - log.clientHeight < 40;
}

function add(list, item) {
  const follow = list !== log || atBottom();
  list.append(item);
  if (follow) item.scrollIntoView({ block: "end" });
}

function stamp(item) {
  const now = new Date();
  const t = el("time", "time", clock(now));
  t.dateTime = now.toISOString();
  item.prepend(t);
  return item;
}

// message adds a line someone said: kind is "say", "own", "dm" or "dm-own".
function message(kind, who, text, to) {
  const item = el("li", "entry " + kind);
  const head = el("div", "head");
  const badge = el("span", "avatar " + hue(who), who.slice(0, 1).toUpperCase());
  badge.setAttribute("aria-hidden", "true");
  head.append(badge);
  head.append(el("span", "sender", kind === "own" || kind === "dm-own" ? "you" : who));
  if (kind === "dm") head.append(el("span", "tag", "direct to you"));
  if (kind === "dm-own") head.append(el("span", "tag", "direct to " + to));
  item.append(head, el("p", "text", text));
  add(log, stamp(item));
  if (kind === "dm" || kind === "dm-own") {
    const copy = el("li", "dm-item");
    copy.append(el("span", "dm-who", kind === "dm" ? who + " → you" : "you → " + to));
    copy.append(el("span", "dm-text", text));
    dmEmpty.hidden = true;
    add(dms, stamp(copy));
  }
}

function notice(text, kind) {
  add(log, stamp(el("li", "entry notice" + (kind ? " " + kind : ""), text)));
}

function renderWho() {
  whoList.replaceChildren();
  for (const who of [...online].sort()) {
    const li = el("li");
    const b = el("button", "who-name");
    b.type = "button";
    b.append(el("span", "avatar " + hue(who), who.slice(0, 1).toUpperCase()));
    b.append(el("span", "who-label", who));
    if (who === me) {
      b.append(el("span", "you", "you"));
      b.disabled = true;
    } else {
      b.title = "Write to " + who + " only";
      b.addEventListener("click", () => {
        input.value = "/msg " + who + " ";
        input.focus();
      });
    }
    li.append(b);
    whoList.append(li);
  }
  count.textContent = String(online.size);
  document.getElementById("who-empty").hidden = online.size > 0;
}

function setMe(who) {
  if (me) online.delete(me);
  me = who;
  online.add(me);
  nameField.value = me;
  renderWho();
}

// receive handles one line from the server.
function receive(line) {
  let m;
  if ((m = patterns.dm.exec(line))) {
    message("dm", m[1], m[2]);
  } else if ((m = patterns.say.exec(line))) {
    message("say", m[1], m[2]);
  } else if ((m = patterns.welcome.exec(line))) {
    setMe(m[1]);
    notice("Welcome! You are " + m[1] + ": pick a name of your own under Your name.", "hello");
  } else if ((m = patterns.youAre.exec(line))) {
    setMe(m[1]);
    notice("You are now " + m[1] + ".");
  } else if ((m = patterns.joined.exec(line))) {
    online.add(m[1]);
    renderWho();
    notice(m[1] + " joined", "join");
  } else if ((m = patterns.left.exec(line))) {
    online.delete(m[1]);
    renderWho();
    notice(m[1] + " left", "leave");
  } else if ((m = patterns.renamed.exec(line))) {
    online.delete(m[1]);
    online.add(m[2]);
    renderWho();
    notice(m[1] + " is now " + m[2]);
  } else if ((m = patterns.online.exec(line))) {
    online = new Set(m[1].split(" ").filter(Boolean));
    if (me) online.add(me);
    renderWho();
    if (whoAsked > 0) whoAsked--;
    else notice("Online: " + [...online].sort().join(", "));
  } else if (line.startsWith("! ")) {
    notice(line.slice(2), "error");
  } else if (line.startsWith("* ")) {
    notice(line.slice(2));
  } else {
    notice(line);
  }
}

// say sends what was typed, and shows it: the server does not echo a
// sender's own lines back.
function say(text) {
  if (!sock.send(text)) return;
  let m;
  if ((m = patterns.msg.exec(text)) || (m = patterns.percent.exec(text))) {
    message("dm-own", me, m[2], m[1]);
  } else if (text !== "" && !text.startsWith("/") && !text.startsWith("%")) {
    message("own", me, text);
  }
}

function enable(on) {
  for (const e of document.querySelectorAll("#say input, #say button, #nick input, #nick button")) {
    e.disabled = !on;
  }
}

const sock = new LineSocket({
  onopen() {
    online = new Set();
    renderWho();
    enable(true);
    whoAsked++;
    sock.send("/who");
    input.focus();
    // chat closes a connection silent for 30 minutes; an empty line is
    // its keep-alive, and says nothing to anyone.
    keepAlive = setInterval(() => sock.send(""), 5 * 60 * 1000);
  },
  online: receive,
  onclose(text) {
    clearInterval(keepAlive);
    enable(false);
    whoAsked = 0;
    online = new Set();
    me = "";
    renderWho();
    notice(text, "error");
    document.getElementById("connect-button").focus();
  },
});

sayForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const text = input.value;
  if (text === "") return;
  say(text);
  input.value = "";
  input.focus();
});

nickForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const wanted = nameField.value.trim();
  if (wanted !== "" && wanted !== me) sock.send("/nick " + wanted);
  input.focus();
});

renderWho();
document.getElementById("connect-button").focus();

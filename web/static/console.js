// console.js: a plain line console for any netlab line service. Each line
// typed is one text message; each message received is one line.
"use strict";

const log = document.getElementById("log");
const input = document.getElementById("input");
const sayForm = document.getElementById("say");

function line(kind, text) {
  const item = el("li", "line " + kind);
  const now = new Date();
  const t = el("time", "time", clock(now));
  t.dateTime = now.toISOString();
  item.append(t, el("span", "mark", kind === "sent" ? "›" : kind === "recv" ? "‹" : "•"), el("span", "text", text));
  log.append(item);
  item.scrollIntoView({ block: "end" });
}

function enable(on) {
  for (const e of document.querySelectorAll("#say input, #say button")) e.disabled = !on;
}

const sock = new LineSocket({
  onopen() {
    enable(true);
    line("info", "connected");
    input.focus();
  },
  online(text) {
    line("recv", text);
  },
  onclose(text) {
    enable(false);
    line("info", text);
    document.getElementById("connect-button").focus();
  },
});

sayForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  if (sock.send(input.value)) line("sent", input.value);
  input.value = "";
  input.focus();
});

document.getElementById("connect-button").focus();

// The #YouAreNotAlone chat widget: Rasa over socket.io, quick exit, emergency banner, nothing kept after the tab closes.
// Only the conversation id is kept, in sessionStorage (gone when the tab closes); messages live only in the page.
(function () {
  "use strict";

  var config = window.CHAT_CONFIG || {};
  var EXIT_URL = config.exitUrl || "https://www.bbc.co.uk/weather";
  var SESSION_KEY = "yana-chat-session";
  var socket = null;
  var sessionId = null;
  var ready = false;
  var queue = [];

  function $(id) { return document.getElementById(id); }

  /** Leaves at once for the neutral site, replacing this page in the history. */
  function quickExit() {
    try { sessionStorage.clear(); } catch (e) { /* storage may be blocked */ }
    if (socket) { socket.disconnect(); socket = null; }
    document.title = "Weather";
    document.body.textContent = "";
    window.location.replace(EXIT_URL);
  }

  /** The conversation id for this tab: kept in sessionStorage only, so it dies with the tab. */
  function conversationId() {
    var id = null;
    try { id = sessionStorage.getItem(SESSION_KEY); } catch (e) { /* no storage: a fresh id each load */ }
    if (!id) {
      var bytes = new Uint8Array(16);
      window.crypto.getRandomValues(bytes);
      id = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
      try { sessionStorage.setItem(SESSION_KEY, id); } catch (e) { /* ignore */ }
    }
    return id;
  }

  /** Adds an item at the end of the conversation and scrolls the conversation (not the page) to it. */
  function scrollToEnd(log, item) {
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }

  /** Appends text to `parent`, turning web addresses into links (as text nodes: no HTML from the bot). */
  function appendLinkified(parent, text) {
    var pattern = /\b(?:https?:\/\/|www\.)[^\s<>"]+[^\s<>".,;:!?)]/g;
    var last = 0;
    var match;
    while ((match = pattern.exec(text)) !== null) {
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      var link = document.createElement("a");
      link.href = /^https?:/.test(match[0]) ? match[0] : "https://" + match[0];
      link.rel = "noreferrer";
      link.textContent = match[0];
      parent.appendChild(link);
      last = match.index + match[0].length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  /** Adds one message to the conversation; bot messages are also announced to screen readers. */
  function addMessage(who, text) {
    var item = document.createElement("li");
    item.className = "msg msg-" + who;
    var label = document.createElement("span");
    label.className = "who";
    label.textContent = who === "bot" ? "Police chat: " : "You: ";
    item.appendChild(label);
    var body = document.createElement("span");
    appendLinkified(body, text);
    item.appendChild(body);
    scrollToEnd($("chat-log"), item);
    if (who === "bot") { $("chat-announcer").textContent = "Police chat says: " + text; }
    return item;
  }

  /** Shows the bot's suggested replies as buttons that send their payload. */
  function addButtons(buttons) {
    var item = document.createElement("li");
    item.className = "msg msg-buttons";
    var group = document.createElement("div");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Suggested replies");
    buttons.forEach(function (button) {
      var element = document.createElement("button");
      element.type = "button";
      element.className = "reply";
      element.textContent = button.title;
      element.addEventListener("click", function () {
        item.remove();
        send(button.payload, button.title);
        $("chat-input").focus();
      });
      group.appendChild(element);
    });
    item.appendChild(group);
    scrollToEnd($("chat-log"), item);
  }

  /** Shows the emergency banner; it stays until dismissed. */
  function showEmergency() {
    var banner = $("emergency");
    if (!banner.hidden) { return; }
    banner.hidden = false;
  }

  /** Whether a bot event carries the escalation marker, as {"custom": {...}}, an attachment or bare. */
  function isEscalation(data) {
    var custom = data.custom || (data.attachment && data.attachment.payload) || data;
    return Boolean(custom && custom.escalation);
  }

  /** Handles one bot_uttered event. */
  function onBotMessage(data) {
    if (!data || typeof data !== "object") { return; }
    if (isEscalation(data)) { showEmergency(); }
    if (typeof data.text === "string" && data.text) { addMessage("bot", data.text); }
    var buttons = data.quick_replies || data.buttons;
    if (Array.isArray(buttons) && buttons.length) { addButtons(buttons); }
  }

  function setStatus(text) { $("chat-status").textContent = text; }

  /** Sends a message (or a button payload shown as its title). */
  function send(message, shown) {
    addMessage("user", shown || message);
    if (ready && socket) {
      socket.emit("user_uttered", { message: message, session_id: sessionId });
    } else {
      queue.push(message);
    }
  }

  function connect() {
    if (typeof window.io !== "function" || !config.rasaUrl) {
      setStatus("The chat is not available right now. If you are in danger, call 999.");
      return;
    }
    sessionId = conversationId();
    // Long-polling only: Rasa 3.6's websocket transport is unreliable; polling works everywhere.
    socket = window.io(config.rasaUrl, { transports: ["polling"], withCredentials: false, reconnectionDelayMax: 10000 });
    socket.on("connect", function () { socket.emit("session_request", { session_id: sessionId }); });
    socket.on("session_confirm", function () {
      ready = true;
      setStatus("Connected. Type your question below.");
      while (queue.length) { socket.emit("user_uttered", { message: queue.shift(), session_id: sessionId }); }
    });
    socket.on("bot_uttered", onBotMessage);
    socket.on("disconnect", function () {
      ready = false;
      setStatus("Reconnecting… If you are in danger, call 999.");
    });
    socket.on("connect_error", function () {
      setStatus("Can't reach the chat right now. If you are in danger, call 999. To report, call 101.");
    });
  }

  function start() {
    $("quick-exit").addEventListener("click", quickExit);
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !event.isComposing) { event.preventDefault(); quickExit(); }
    });
    $("emergency-dismiss").addEventListener("click", function () {
      $("emergency").hidden = true;
      $("chat-input").focus();
    });
    // The skip link moves focus without adding a history entry (so Back after a quick exit can't return here).
    document.querySelectorAll("[data-focus]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        $(link.getAttribute("data-focus")).focus();
      });
    });
    $("chat-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var input = $("chat-input");
      var text = input.value.trim();
      if (!text) { return; }
      input.value = "";
      send(text);
    });
    connect();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

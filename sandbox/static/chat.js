// Repères sandbox chat page. Plain JS, no build step: the page must work offline.
// Message HTML comes pre-rendered and escaped by the server (`html`); everything else is set as text.
"use strict";

const API = "/sandbox/api";
const LANGUAGE_NAMES = { fr: "Français", en: "English", ar: "العربية" };

const state = {
  users: [],
  currentId: null,
  instance: null, // the sandbox run the page talks to (see checkInstance)
  seq: 0,
  poll: null, // AbortController of the running long poll
  messages: new Map(), // message_id -> page message, for the reply keyboard
};

const $ = (id) => document.getElementById(id);

async function api(path, options = {}) {
  const response = await fetch(API + path, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

function postJSON(path, data) {
  return api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data) });
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function initial(name) {
  return (name || "?").trim().charAt(0).toUpperCase() || "?";
}

function formatTime(unix) {
  return new Date(unix * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
}

function formatSize(bytes) {
  if (bytes === undefined || bytes === null) return "";
  if (bytes < 1024) return `${bytes} o`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} Ko`;
  return `${(bytes / 1024 / 1024).toFixed(1)} Mo`;
}

// Users ------------------------------------------------------------------------------------------

async function loadUsers() {
  await checkInstance();
  state.users = await api("/users");
  renderUsers();
}

// A restarted sandbox has forgotten every user: a page left open must not keep talking as one of them (its
// id would go to the next person created). Each sandbox run has its own instance id.
async function checkInstance() {
  const info = await api("/info");
  if (state.instance !== null && info.instance !== state.instance) dropCurrentUser();
  state.instance = info.instance;
}

function dropCurrentUser() {
  if (state.poll) state.poll.abort();
  state.currentId = null;
  state.messages.clear();
  history.replaceState(null, "", location.pathname);
  $("messages").replaceChildren();
  $("reply-keyboard").hidden = true;
  $("composer").hidden = true;
  $("block-toggle").hidden = true;
  $("chat-title").textContent = "Choisissez ou créez un utilisateur";
  $("chat-subtitle").textContent = "Le bac à sable a redémarré : créez un nouvel utilisateur.";
  $("chat-avatar").textContent = "?";
}

function renderUsers() {
  const list = $("user-list");
  list.replaceChildren();
  for (const user of state.users) {
    const lang = user.language_code || "—";
    const button = el(
      "button",
      {
        type: "button",
        "aria-current": user.id === state.currentId ? "true" : "false",
        "data-user-id": String(user.id),
        onclick: () => selectUser(user.id),
      },
      el("span", { class: "avatar", "aria-hidden": "true", text: initial(user.first_name) }),
      el(
        "span",
        { class: "user-meta" },
        el("span", { class: "user-name", dir: "auto", text: user.first_name }),
        el("span", { class: "user-sub", text: `${lang} · ${user.id}${user.blocked ? " · a bloqué le bot" : ""}` }),
      ),
    );
    list.append(el("li", {}, button));
  }
}

async function createUser(event) {
  event.preventDefault();
  const name = $("new-user-name").value.trim();
  if (!name) return;
  let lang = $("new-user-lang").value;
  if (lang === "other") lang = $("new-user-lang-other").value.trim().toLowerCase() || null;
  const user = await postJSON("/users", { first_name: name, language_code: lang });
  $("new-user-name").value = "";
  await loadUsers();
  await selectUser(user.id);
}

function currentUser() {
  return state.users.find((user) => user.id === state.currentId) || null;
}

async function selectUser(id) {
  if (state.poll) state.poll.abort();
  state.currentId = id;
  state.messages.clear();
  history.replaceState(null, "", `#user=${id}`);
  renderUsers();
  const user = currentUser();
  $("chat-title").textContent = user ? user.first_name : "";
  $("chat-avatar").textContent = initial(user ? user.first_name : "?");
  $("chat-title").setAttribute("dir", "auto");
  updateSubtitle();
  $("composer").hidden = false;
  $("block-toggle").hidden = false;
  const info = await api("/info");
  state.seq = info.seq;
  const messages = await api(`/chats/${id}/messages`);
  if (state.currentId !== id) return;
  const box = $("messages");
  box.replaceChildren();
  for (const message of messages) upsertMessage(message);
  if (!messages.length) showEmpty();
  renderReplyKeyboard();
  scrollToEnd();
  $("composer-input").focus();
  pollEvents(id);
}

function updateSubtitle() {
  const user = currentUser();
  if (!user) return;
  const lang = user.language_code ? `${LANGUAGE_NAMES[user.language_code] || user.language_code}` : "langue inconnue";
  $("chat-subtitle").textContent = `id ${user.id} · ${lang}${user.blocked ? " · bot bloqué" : ""}`;
  $("block-toggle").textContent = user.blocked ? "Débloquer le bot" : "Bloquer le bot";
  $("block-toggle").classList.toggle("danger", !user.blocked);
}

function showEmpty() {
  $("messages").append(el("p", { class: "empty", id: "empty-note", text: "Aucun message. Essayez /start." }));
}

// Events (long polling) -----------------------------------------------------------------------------

async function pollEvents(id) {
  const controller = new AbortController();
  state.poll = controller;
  while (state.currentId === id && !controller.signal.aborted) {
    try {
      const response = await fetch(`${API}/chats/${id}/events?after=${state.seq}&timeout=25`, {
        signal: controller.signal,
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const body = await response.json();
      if (state.currentId !== id) return;
      for (const event of body.events) applyEvent(event);
      state.seq = body.last_seq;
    } catch (error) {
      if (controller.signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await loadUsers().catch(() => {}); // a restarted sandbox answers 404 for a chat it no longer has
    }
  }
}

function applyEvent(event) {
  if (event.type === "message" || event.type === "edit") {
    const box = $("messages");
    const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    upsertMessage(event.message);
    renderReplyKeyboard();
    if (event.type === "message" || nearBottom) scrollToEnd();
  } else if (event.type === "delete") {
    state.messages.delete(event.message_id);
    const node = document.querySelector(`.msg[data-message-id="${event.message_id}"]`);
    if (node) node.remove();
    renderReplyKeyboard();
  } else if (event.type === "callback_answer") {
    if (event.text && event.show_alert) showAlert(event.text);
    else if (event.text) showToast(event.text);
    if (event.url) window.open(event.url, "_blank", "noopener");
  }
}

// Rendering ----------------------------------------------------------------------------------------

function upsertMessage(message) {
  state.messages.set(message.message_id, message);
  const empty = $("empty-note");
  if (empty) empty.remove();
  const node = renderMessage(message);
  const existing = document.querySelector(`.msg[data-message-id="${message.message_id}"]`);
  if (existing) {
    existing.replaceWith(node);
    return;
  }
  // Keep the order by message id even if an event arrives twice or late.
  const later = [...document.querySelectorAll(".msg")].find(
    (other) => Number(other.dataset.messageId) > message.message_id,
  );
  $("messages").insertBefore(node, later || null);
}

function renderMessage(message) {
  const side = message.from_bot ? "bot" : "user";
  const bubble = el("div", { class: "bubble", dir: "auto" });
  if (message.photo && message.photo.length) {
    const largest = message.photo[message.photo.length - 1];
    bubble.append(el("img", { class: "photo", src: largest.url, alt: message.caption || "Photo", loading: "lazy" }));
  }
  if (message.document) {
    const doc = message.document;
    const link = el(
      "a",
      { class: "attachment", href: doc.url, download: doc.file_name || "" },
      el("span", { class: "file-icon", "aria-hidden": "true", text: "⤓" }),
      el("span", { dir: "auto" }, doc.file_name || "document", el("small", { text: formatSize(doc.file_size) })),
    );
    bubble.append(link);
  }
  if (message.location) bubble.append(renderPlace(message.location, message.venue));
  if (message.html) {
    const text = el("div", { class: "text" }); // the bubble's dir="auto" applies: a nested dir would hide the text from it
    text.innerHTML = message.html; // already escaped and sanitised by the server
    for (const link of text.querySelectorAll("a")) link.rel = "noopener noreferrer";
    for (const spoiler of text.querySelectorAll(".tg-spoiler")) {
      spoiler.tabIndex = 0;
      spoiler.setAttribute("role", "button");
      spoiler.setAttribute("aria-label", "Texte masqué, cliquer pour révéler");
      spoiler.addEventListener("click", () => spoiler.classList.add("revealed"));
    }
    bubble.append(text);
  }
  const meta = el("div", { class: "meta", dir: "ltr" }); // its own dir keeps "modifié" out of the bubble's direction guess
  if (message.edited) meta.append(el("span", { class: "edited", text: "modifié" }));
  meta.append(el("time", { text: formatTime(message.date) }));
  bubble.append(meta);

  const node = el("div", { class: `msg ${side}`, "data-message-id": String(message.message_id) }, bubble);
  const keyboard = renderInlineKeyboard(message);
  if (keyboard) node.append(keyboard);
  return node;
}

function renderPlace(location, venue) {
  const { latitude, longitude } = location;
  const osm = `https://www.openstreetmap.org/?mlat=${latitude}&mlon=${longitude}#map=16/${latitude}/${longitude}`;
  const place = el("div", { class: "place" });
  if (venue) {
    place.append(el("strong", { dir: "auto", text: venue.title }));
    place.append(el("span", { dir: "auto", text: venue.address }));
  } else {
    place.append(el("strong", { text: "Position partagée" }));
  }
  place.append(el("span", { text: `${latitude.toFixed(5)}, ${longitude.toFixed(5)}` }));
  place.append(el("a", { href: osm, target: "_blank", rel: "noopener noreferrer", text: "Voir sur OpenStreetMap" }));
  return place;
}

function renderInlineKeyboard(message) {
  const rows = message.reply_markup && message.reply_markup.inline_keyboard;
  if (!rows || !rows.length) return null;
  const keyboard = el("div", { class: "keyboard", role: "group", "aria-label": "Boutons du message" });
  for (const row of rows) {
    const line = el("div", { class: "keyboard-row" });
    for (const button of row) {
      if (button.url) {
        line.append(
          el("a", { class: "kb-button", href: button.url, target: "_blank", rel: "noopener noreferrer", dir: "auto" },
            button.text, el("span", { "aria-hidden": "true", text: " ↗" })),
        );
      } else if (button.callback_data !== undefined) {
        line.append(
          el("button", {
            type: "button",
            class: "kb-button",
            dir: "auto",
            text: button.text,
            onclick: (event) => press(message.message_id, button.callback_data, event.currentTarget),
          }),
        );
      } else {
        line.append(el("button", { type: "button", class: "kb-button", disabled: true, dir: "auto", text: button.text }));
      }
    }
    keyboard.append(line);
  }
  return keyboard;
}

function renderReplyKeyboard() {
  const box = $("reply-keyboard");
  let rows = null;
  for (const message of [...state.messages.values()].sort((a, b) => a.message_id - b.message_id)) {
    if (message.from_bot && message.reply_keyboard !== null && message.reply_keyboard !== undefined) {
      rows = message.reply_keyboard;
    } else if (!message.from_bot) {
      // Used once, as the bot's keyboards are (one_time_keyboard): what the user sends next hides it.
      rows = null;
    }
  }
  box.replaceChildren();
  box.hidden = !rows || !rows.length;
  if (box.hidden) return;
  for (const row of rows) {
    const line = el("div", { class: "keyboard-row" });
    for (const button of row) {
      const label = typeof button === "string" ? button : button.text;
      // A "share my location" button opens the location dialog, as Telegram asks for the location.
      const onclick = button.request_location ? () => $("location-dialog").showModal() : () => sendText(label);
      line.append(el("button", { type: "button", dir: "auto", text: label, onclick }));
    }
    box.append(line);
  }
}

function scrollToEnd() {
  const box = $("messages");
  box.scrollTop = box.scrollHeight;
  // A photo gets its height only once loaded: scroll again then, or the newest message stays below the fold.
  for (const img of box.querySelectorAll("img:not([data-scrolled])")) {
    img.dataset.scrolled = "1";
    if (!img.complete) img.addEventListener("load", () => (box.scrollTop = box.scrollHeight), { once: true });
  }
}

let toastTimer = null;
function showToast(text) {
  const toast = $("toast");
  toast.textContent = text;
  toast.setAttribute("dir", "auto");
  toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (toast.hidden = true), 3500);
}

function showAlert(text) {
  $("alert-text").textContent = text;
  $("alert-dialog").showModal();
}

// Actions ------------------------------------------------------------------------------------------

async function sendText(text) {
  if (!state.currentId || !text.trim()) return;
  try {
    await postJSON(`/users/${state.currentId}/messages`, { text });
  } catch (error) {
    showToast(`Échec de l'envoi : ${error.message}`);
  }
}

async function press(messageId, data, button) {
  button.classList.add("pressed");
  try {
    await postJSON(`/users/${state.currentId}/callbacks`, { message_id: messageId, data });
  } catch (error) {
    showToast(`Bouton indisponible : ${error.message}`);
  } finally {
    setTimeout(() => button.classList.remove("pressed"), 400);
  }
}

async function uploadFile(file) {
  const form = new FormData();
  form.append("file", file, file.name);
  const caption = $("composer-input").value.trim();
  if (caption) form.append("caption", caption);
  try {
    await api(`/users/${state.currentId}/documents`, { method: "POST", body: form });
    $("composer-input").value = "";
  } catch (error) {
    showToast(`Échec de l'envoi du fichier : ${error.message}`);
  }
}

function closeCommands() {
  $("commands-menu").hidden = true;
  $("commands-button").setAttribute("aria-expanded", "false");
}

async function toggleCommands() {
  const menu = $("commands-menu");
  const button = $("commands-button");
  if (!menu.hidden) {
    closeCommands();
    return;
  }
  const user = currentUser();
  const query = new URLSearchParams({ language_code: (user && user.language_code) || "", chat_id: state.currentId });
  const body = await api(`/commands?${query}`);
  menu.replaceChildren();
  if (!body.commands.length) {
    menu.append(el("li", { class: "none", text: "Le bot n'a pas déclaré de commandes." }));
  }
  for (const command of body.commands) {
    const item = el(
      "button",
      {
        type: "button",
        role: "menuitem",
        onclick: () => {
          closeCommands();
          sendText(`/${command.command}`);
        },
      },
      el("span", { class: "cmd", text: `/${command.command}` }),
      el("span", { class: "desc", dir: "auto", text: command.description }),
    );
    menu.append(el("li", { role: "none" }, item));
  }
  menu.hidden = false;
  button.setAttribute("aria-expanded", "true");
  const first = menu.querySelector("button");
  if (first) first.focus();
}

async function toggleBlock() {
  const user = currentUser();
  if (!user) return;
  await postJSON(`/users/${user.id}/block`, { blocked: !user.blocked });
  await loadUsers();
  updateSubtitle();
}

// Wiring -------------------------------------------------------------------------------------------

function wire() {
  $("new-user-form").addEventListener("submit", (event) => createUser(event).catch((e) => showToast(e.message)));
  $("new-user-lang").addEventListener("change", () => {
    const other = $("new-user-lang").value === "other";
    $("other-lang-row").hidden = !other;
    if (other) $("new-user-lang-other").focus();
  });
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("composer-input");
    const text = input.value;
    input.value = "";
    sendText(text);
    input.focus();
  });
  $("composer-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });
  $("file-input").addEventListener("change", () => {
    const file = $("file-input").files[0];
    if (file) uploadFile(file);
    $("file-input").value = "";
  });
  $("file-button").addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      $("file-input").click();
    }
  });
  $("location-button").addEventListener("click", () => $("location-dialog").showModal());
  $("location-cancel").addEventListener("click", () => $("location-dialog").close());
  $("location-form").addEventListener("submit", () => {
    const latitude = Number($("location-lat").value);
    const longitude = Number($("location-lon").value);
    postJSON(`/users/${state.currentId}/locations`, { latitude, longitude }).catch((e) => showToast(e.message));
  });
  $("commands-button").addEventListener("click", () => toggleCommands().catch((e) => showToast(e.message)));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !$("commands-menu").hidden) {
      closeCommands();
      $("commands-button").focus();
    }
  });
  // A click anywhere outside the menu and its button closes it, as any menu does.
  document.addEventListener("pointerdown", (event) => {
    if ($("commands-menu").hidden) return;
    if (event.target.closest("#commands-menu, #commands-button")) return;
    closeCommands();
  });
  $("block-toggle").addEventListener("click", () => toggleBlock().catch((e) => showToast(e.message)));
}

async function openFromHash() {
  // The hash names the user, so two windows can show two users side by side and links can be shared.
  const match = /user=(\d+)/.exec(location.hash);
  const wanted = match && state.users.find((user) => user.id === Number(match[1]));
  if (wanted && wanted.id !== state.currentId) await selectUser(wanted.id);
}

async function start() {
  wire();
  await loadUsers();
  await openFromHash();
  window.addEventListener("hashchange", () => loadUsers().then(openFromHash).catch((e) => showToast(e.message)));
  // Another window may add users: keep the list fresh without a dedicated event stream.
  setInterval(() => loadUsers().catch(() => {}), 5000);
}

start().catch((error) => showToast(error.message));

// The web chat page: sends what the consumer types, taps and uploads; shows the answers and
// the messages the server pushes (agent replies, surveys). Every text is put in the page as
// text (textContent), never as markup.
"use strict";

(() => {
  const API = "/chat/api";
  const LANGUAGE_KEY = "aftersales.chat.language";
  const TRANSCRIPT_KEY = "aftersales.chat.transcript";
  const SHOWN_KEY = "aftersales.chat.shown";
  const MAX_KEPT_MESSAGES = 200;
  const MAX_REMEMBERED_ITEMS = 300;

  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  const photo = document.getElementById("photo");
  const sendButton = document.getElementById("send");
  const status = document.getElementById("status");
  const languageButtons = document.querySelectorAll(".language-choice");

  let labels = {};
  let language = "zh";
  let events = null;
  let pending = Promise.resolve();

  const stored = (key, fallback) => {
    try {
      const raw = window.sessionStorage.getItem(key);
      return raw === null ? fallback : JSON.parse(raw);
    } catch {
      return fallback;
    }
  };
  const store = (key, value) => {
    try {
      window.sessionStorage.setItem(key, JSON.stringify(value));
    } catch {
      // A full or disabled storage only costs the history after a reload.
    }
  };

  const transcript = stored(TRANSCRIPT_KEY, []);
  const shownItems = new Set(stored(SHOWN_KEY, []));

  const label = (name) => (labels[language] && labels[language][name]) || "";

  const newMessageId = () => {
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  };

  function applyLabels() {
    document.documentElement.lang = language === "en" ? "en" : "zh-Hans";
    document.title = label("title");
    for (const element of document.querySelectorAll("[data-label]")) {
      element.textContent = label(element.dataset.label);
    }
    for (const element of document.querySelectorAll("[data-label-placeholder]")) {
      element.placeholder = label(element.dataset.labelPlaceholder);
    }
    for (const element of document.querySelectorAll("[data-label-title]")) {
      element.title = label(element.dataset.labelTitle);
    }
    for (const button of languageButtons) {
      button.setAttribute("aria-pressed", String(button.dataset.language === language));
    }
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  const SPEAKER_LABELS = { user: "you", agent: "agent", assistant: "assistant" };

  // One message in the log. `entry` is {from, text, image, buttons, chosen, photo}.
  function render(entry, { live }) {
    const wrapper = document.createElement("div");
    wrapper.className = `message from-${entry.from}`;
    const speaker = document.createElement("span");
    speaker.className = "speaker";
    speaker.dataset.label = SPEAKER_LABELS[entry.from] || "assistant";
    speaker.textContent = label(speaker.dataset.label);
    wrapper.append(speaker);

    const bubble = document.createElement("div");
    bubble.className = "bubble";
    if (entry.text) {
      const text = document.createElement("span");
      text.textContent = entry.text;
      bubble.append(text);
    }
    const imageSource = entry.photo || entry.image;
    if (imageSource) {
      const image = document.createElement("img");
      image.src = imageSource;
      image.alt = entry.photo ? label("photo_sent") : label("image_alt");
      image.loading = "lazy";
      image.className = entry.photo ? "photo-preview" : "";
      bubble.append(image);
    }
    wrapper.append(bubble);

    if (entry.buttons && entry.buttons.length) {
      wrapper.append(renderChoices(entry, live));
    }
    log.append(wrapper);
    scrollToEnd();
    return wrapper;
  }

  function renderChoices(entry, live) {
    const group = document.createElement("div");
    group.className = "choices";
    group.setAttribute("role", "group");
    if (entry.text) group.setAttribute("aria-label", entry.text.slice(0, 120));
    const settled = !live || entry.chosen !== undefined;
    for (const choice of entry.buttons) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "choice";
      button.textContent = choice.title;
      if (settled) {
        button.disabled = true;
        if (entry.chosen === choice.key) markChosen(button);
      }
      button.addEventListener("click", () => choose(entry, choice, group, button));
      group.append(button);
    }
    return group;
  }

  function markChosen(button) {
    button.classList.add("chosen");
    button.setAttribute("aria-pressed", "true");
    button.textContent = `✓ ${button.textContent}`;
    button.title = label("chosen");
  }

  function keep(entry) {
    transcript.push(entry);
    while (transcript.length > MAX_KEPT_MESSAGES) transcript.shift();
    store(TRANSCRIPT_KEY, transcript);
  }

  function show(entry) {
    keep(entry);
    render(entry, { live: true });
  }

  function showAnswer(messages) {
    for (const message of messages || []) {
      show({
        from: message.from === "agent" ? "agent" : "assistant",
        text: message.text || "",
        image: message.image || null,
        buttons: message.buttons || [],
      });
    }
  }

  function setStatus(text) {
    status.textContent = text;
    status.hidden = !text;
  }

  function typing() {
    const indicator = document.createElement("div");
    indicator.className = "message from-assistant typing";
    indicator.setAttribute("aria-hidden", "true");
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    bubble.textContent = label("typing");
    indicator.append(bubble);
    log.append(indicator);
    scrollToEnd();
    return indicator;
  }

  // Requests go one after another, so answers appear in the order things were said.
  function queued(task) {
    pending = pending.then(task, task);
    return pending;
  }

  async function post(path, init) {
    const indicator = typing();
    sendButton.disabled = true;
    try {
      const response = await fetch(`${API}${path}`, {
        method: "POST",
        credentials: "same-origin",
        ...init,
      });
      const body = await response.json().catch(() => ({}));
      if (Array.isArray(body.messages)) {
        showAnswer(body.messages);
        setStatus("");
      } else if (!response.ok) {
        setStatus(label("failed"));
      }
      return response.ok;
    } catch {
      setStatus(label("failed"));
      return false;
    } finally {
      indicator.remove();
      sendButton.disabled = false;
    }
  }

  const postJson = (path, body) =>
    post(path, { headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

  function sendText(text) {
    show({ from: "user", text });
    return queued(() => postJson("/messages", { message_id: newMessageId(), text, language }));
  }

  function choose(entry, choice, group, button) {
    if (entry.chosen !== undefined) return;
    entry.chosen = choice.key;
    const row = group.querySelectorAll("button");
    for (const other of row) other.disabled = true;
    const title = button.textContent;
    markChosen(button);
    store(TRANSCRIPT_KEY, transcript);
    show({ from: "user", text: choice.title });
    input.focus();
    return queued(async () => {
      const body = { message_id: newMessageId(), button: choice.key, language };
      if (await postJson("/messages", body)) return;
      // Not taken (too many messages, no connection): the question is open again.
      entry.chosen = undefined;
      store(TRANSCRIPT_KEY, transcript);
      for (const other of row) other.disabled = false;
      button.classList.remove("chosen");
      button.removeAttribute("aria-pressed");
      button.removeAttribute("title");
      button.textContent = title;
    });
  }

  function sendPhoto(file) {
    const preview = URL.createObjectURL(file);
    render({ from: "user", text: "", photo: preview }, { live: true });
    keep({ from: "user", text: label("photo_sent") });
    const data = new FormData();
    data.append("file", file, file.name || "photo.jpg");
    data.append("message_id", newMessageId());
    data.append("language", language);
    return queued(() => post("/photos", { body: data }));
  }

  function switchLanguage(chosen) {
    if (chosen === language) return;
    language = chosen;
    try {
      window.localStorage.setItem(LANGUAGE_KEY, language);
    } catch {
      // The choice then lasts only as long as this page.
    }
    applyLabels();
    listen();
    return queued(() => postJson("/language", { message_id: newMessageId(), language }));
  }

  function listen() {
    if (events) events.close();
    events = new EventSource(`${API}/events?language=${encodeURIComponent(language)}`);
    events.addEventListener("open", () => setStatus(""));
    events.addEventListener("error", () => {
      if (events.readyState !== EventSource.OPEN) setStatus(label("offline"));
    });
    events.addEventListener("messages", (event) => {
      let body;
      try {
        body = JSON.parse(event.data);
      } catch {
        return;
      }
      // An item acknowledged late may come again: it is shown once.
      if (shownItems.has(body.key)) return;
      shownItems.add(body.key);
      store(SHOWN_KEY, Array.from(shownItems).slice(-MAX_REMEMBERED_ITEMS));
      showAnswer(body.messages);
    });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) {
      input.focus();
      return;
    }
    input.value = "";
    input.style.height = "";
    sendText(text);
    input.focus();
  });

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  input.addEventListener("input", () => {
    input.style.height = "";
    input.style.height = `${Math.min(input.scrollHeight, 128)}px`;
  });

  photo.addEventListener("change", () => {
    const [file] = photo.files;
    photo.value = "";
    if (file) sendPhoto(file);
    input.focus();
  });

  for (const button of languageButtons) {
    button.addEventListener("click", () => switchLanguage(button.dataset.language));
  }

  async function start() {
    let saved = null;
    try {
      saved = window.localStorage.getItem(LANGUAGE_KEY);
    } catch {
      saved = null;
    }
    const query = saved === "zh" || saved === "en" ? `?language=${saved}` : "";
    try {
      const response = await fetch(`${API}/session${query}`, { credentials: "same-origin" });
      const body = await response.json();
      labels = body.labels;
      language = body.language;
    } catch {
      setStatus("连接失败，请刷新页面。 / Could not connect; please reload the page.");
      return;
    }
    applyLabels();
    if (transcript.length === 0) {
      show({ from: "assistant", text: label("welcome") });
    } else {
      for (const entry of transcript) render(entry, { live: entry.chosen === undefined });
    }
    listen();
    input.focus();
  }

  start();
})();

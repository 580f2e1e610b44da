// draftdesk: reviewing at speed on the dashboard. Keyboard shortcuts (listed on "?"),
// "Copy & approve" in one click, and the card an action came back to gets the focus.
// Progressive enhancement: without this script every action is a plain form.
(() => {
  "use strict";

  const cards = () => Array.from(document.querySelectorAll("#drafts article.card.draft"));
  const current = () => document.activeElement?.closest?.("article.card.draft") ?? null;

  const focusCard = (card) => {
    if (!card) return;
    card.focus({ preventScroll: true });
    card.scrollIntoView({ block: "nearest", behavior: "smooth" });
  };

  const move = (step) => {
    const all = cards();
    if (!all.length) return;
    const at = all.indexOf(current());
    const next = at < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(Math.max(at + step, 0), all.length - 1);
    focusCard(all[next]);
  };

  // Opens one of the card's panels ("Approve", "Give feedback") and focuses a control in it.
  const openPanel = (card, action, selector) => {
    const form = card.querySelector(`form[action$="/${action}"]`);
    const details = form?.closest("details");
    if (!form) return;
    if (details) details.open = true;
    form.querySelector(selector)?.focus();
  };

  // The clipboard API needs https (or localhost); elsewhere the older copy command does.
  const copyText = async (id) => {
    const el = document.getElementById(id);
    if (!el) return false;
    const text = (el instanceof HTMLTextAreaElement) ? el.value : el.textContent;
    try {
      if (!navigator.clipboard || !window.isSecureContext) throw new Error("no clipboard API");
      await navigator.clipboard.writeText(text);
      return true;
    } catch (err) {
      const scratch = document.createElement("textarea");
      scratch.value = text;
      scratch.setAttribute("readonly", "");
      scratch.style.position = "fixed";
      scratch.style.opacity = "0";
      document.body.append(scratch);
      scratch.select();
      let ok = false;
      try { ok = document.execCommand("copy"); } catch (ignored) { ok = false; }
      scratch.remove();
      return ok;
    }
  };

  // "Copy & approve": copy the draft as it stands in its box (edited or not), then approve.
  document.addEventListener("click", async (event) => {
    const button = event.target.closest?.("button[data-copy-approve]");
    if (!button) return;
    event.preventDefault();
    const form = button.form;
    const copied = await copyText(button.dataset.copyApprove);
    if (!copied) {
      button.textContent = "Copy failed: approve without copying?";
      button.removeAttribute("data-copy-approve");
      return;
    }
    form?.requestSubmit();
  });

  const help = () => document.getElementById("shortcuts");

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target instanceof HTMLElement && target.closest("input, textarea, select, [contenteditable]")) return;
    const dialog = help();
    if (event.key === "?") {
      if (dialog && !dialog.open) dialog.showModal();
      else if (dialog) dialog.close();
      event.preventDefault();
      return;
    }
    if (dialog?.open) return;
    const card = current();
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "c": card?.querySelector("button[data-copy-target]")?.click(); break;
      case "y": card?.querySelector("button[data-copy-approve]")?.click(); break;
      case "a": openPanel(card, "approve", "button[data-approve]"); break;
      case "e": openPanel(card, "approve", "textarea"); break;
      case "f": openPanel(card, "feedback", "textarea"); break;
      case "r": card?.querySelector('form[action$="/reject"]')?.requestSubmit(); break;
      default: return;
    }
    event.preventDefault();
  });

  const start = () => {
    document.querySelectorAll("button[data-copy-approve][hidden], [data-shortcuts-hint][hidden]")
      .forEach((el) => el.removeAttribute("hidden"));
    // After an action the page comes back at the card that took the acted-on card's place.
    const id = decodeURIComponent(location.hash.slice(1));
    const target = id.startsWith("card-") ? document.getElementById(id) : null;
    if (target) focusCard(target);
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

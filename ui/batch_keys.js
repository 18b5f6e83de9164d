// The batch form's keyboard: number keys pick a class in the current row and move to the next row,
// 0 skips, Enter saves; a new batch gets focus on (and scrolls to) its first row; the labeler's name is
// remembered in a cookie that the server reads on the next visit. Static code: the page passes its data
// through the data-* attributes of #alcore-batch-keys, never by writing into this script.
(function () {
  const data = document.getElementById("alcore-batch-keys");
  if (!data) return;
  const form = () => data.closest('[data-testid="stVerticalBlock"]')?.querySelector('[data-testid="stForm"]')
    || document.querySelector('[data-testid="stForm"]');
  const groups = () => Array.from(form()?.querySelectorAll('[role="radiogroup"]') || []);
  const saveButton = () => Array.from(form()?.querySelectorAll("button") || []).find(
    (button) => button.innerText.includes(data.dataset.save));

  function focusRow(index) {
    const group = groups()[index];
    if (!group) {
      saveButton()?.focus();
      saveButton()?.scrollIntoView({ block: "center" });
      return;
    }
    (group.querySelector("input:checked") || group.querySelector("input"))?.focus({ preventScroll: true });
    group.closest('[data-testid="stVerticalBlockBorderWrapper"], [data-testid="stVerticalBlock"]')
      ?.scrollIntoView({ block: "start" });
  }

  const name = data.dataset.labeler;
  if (name) {
    document.cookie = `${data.dataset.cookie}=${encodeURIComponent(name)}; path=/; max-age=31536000; SameSite=Lax`;
  }

  if (!window.alcoreBatchKeys) {
    window.alcoreBatchKeys = true;
    document.addEventListener("keydown", (event) => {
      if (!document.getElementById("alcore-batch-keys") || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.target.closest?.('textarea, [contenteditable="true"], input:not([type="radio"])')) return;
      const all = groups();
      if (!all.length) return;
      let row = all.findIndex((group) => group.contains(document.activeElement));
      if (/^[0-9]$/.test(event.key)) {
        if (row < 0) row = Math.max(0, all.findIndex((group) => !group.querySelector("input:checked")));
        const options = all[row].querySelectorAll("label");
        const choice = event.key === "0" ? options.length : Number(event.key);
        if (choice > options.length) return;
        event.preventDefault();
        options[choice - 1].click();
        setTimeout(() => focusRow(row + 1), 0);
      } else if (event.key === "Enter" && (row >= 0 || document.activeElement === document.body)) {
        event.preventDefault();
        saveButton()?.click();
      }
    }, true);
  }

  if (window.alcoreBatchShown !== data.dataset.batch) {
    window.alcoreBatchShown = data.dataset.batch;
    setTimeout(() => focusRow(0), 100);
  }
})();

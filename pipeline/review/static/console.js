// jiafang office console: Ctrl+Enter (or Cmd+Enter) in a text area submits its form, since
// Enter there starts a new line. No inline script anywhere (the pages' CSP forbids it).
document.addEventListener("keydown", function (e) {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && e.target instanceof HTMLTextAreaElement && e.target.form) {
    e.preventDefault();
    e.target.form.requestSubmit();
  }
});

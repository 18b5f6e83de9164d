// Narrow screens: Streamlit's sidebar opens over the content; close it once a page is chosen in it.
(function () {
  if (window.alcoreNarrow) return;
  window.alcoreNarrow = true;
  document.addEventListener("click", (event) => {
    if (window.innerWidth > 640 || !event.target.closest('[data-testid="stSidebarNav"] a')) return;
    setTimeout(() => {
      const sidebar = document.querySelector('[data-testid="stSidebar"]');
      if (sidebar && sidebar.getAttribute("data-collapsed") !== "true") {
        sidebar.querySelector('[data-testid="stSidebarCollapseButton"] button')?.click();
      }
    }, 200);
  }, true);
})();

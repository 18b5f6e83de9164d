"""AppTest runs of the pages in app_pages/."""

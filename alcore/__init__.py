"""alcore: active learning that labels less and learns as much."""

"""The study: many runs on Ray, on this machine or a cluster. The sweep (sweep, sweep_summary)
trains a grid of cells x tasks x distances; the memory-horizon search (horizon driving the pure
search, its report) finds how far back each cell remembers. Both hand their runs to the engine
(Ray Tune trials) through the runner, on the Ray that cluster connects to (with Ray's token,
ray_token); presets and seeds say what they train."""

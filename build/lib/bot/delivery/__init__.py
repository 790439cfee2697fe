"""Campaign delivery: rendering, pacing, the sender loop, the schedule job and the progress reports."""

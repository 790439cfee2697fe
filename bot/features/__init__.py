"""One package per feature, its handlers beside the domain code only it uses; bot.app registers them."""

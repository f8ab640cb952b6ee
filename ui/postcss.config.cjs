// Mantine's PostCSS preset: its mixins and rem() helpers in the console's own CSS modules.
module.exports = {
  plugins: {
    'postcss-preset-mantine': {},
  },
};

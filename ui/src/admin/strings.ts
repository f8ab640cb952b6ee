/** The administration pages' strings, merged into the console's translations. */
export const adminEn = {};
export const adminIt: typeof adminEn = {};

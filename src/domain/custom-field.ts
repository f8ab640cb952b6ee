/**
 * The names a contact's custom fields may have: imports, edits, rectifications and
 * automation definitions accept the same ones.
 */

/** A custom field's name: a letter, then letters, digits or underscores (40 at most). */
export const customFieldName = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;

/** Settings that stand for a command-line option of the same name (kept apart from the parser so the config hook costs nothing to install). */
export const SETTING_KEYS = ['port', 'baud', 'chip', 'before', 'after'] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

/** The stnmf version, recorded in every run.json and printed by `stnmf --version`. Keep equal to package.json. */
export const VERSION = '0.1.0';

/** This tab's token: sessionStorage, so it lives as long as the tab, never in a cookie or in localStorage. */
const TOKEN_KEY = 'concordat.token';

export const loadToken = (): string | null => sessionStorage.getItem(TOKEN_KEY);
export const saveToken = (token: string): void => sessionStorage.setItem(TOKEN_KEY, token.trim());
export const forgetToken = (): void => sessionStorage.removeItem(TOKEN_KEY);

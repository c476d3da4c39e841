import { expect, Page } from "@playwright/test";

/// Signs in through the sandbox's stand-in for GitHub's consent page, as a visitor would: the page they asked
/// for sends them to sign in, and they come back to it as the person they picked.
export async function signIn(page: Page, login: string, path = "/") {
  await page.goto(path);
  await expect(page).toHaveURL(/\/sign-in\?next=/);
  await page.getByRole("link", { name: "Sign in with GitHub" }).click();
  await expect(page.getByRole("heading", { name: "Who are you in the sandbox?" })).toBeVisible();
  await page.getByRole("button", { name: `@${login}`, exact: true }).click();
  await expect(page.locator("#signed-in-as")).toHaveText(`@${login}`);
}

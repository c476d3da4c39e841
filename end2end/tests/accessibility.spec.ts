import AxeBuilder from "@axe-core/playwright";
import { expect, Page, test } from "@playwright/test";
import { signIn } from "./sign_in";

// axe-core's findings that keep someone from using a page (a screen reader naming a link wrongly, text too faint
// to read); lesser ones are reported by axe but do not fail the run.
const BLOCKING = new Set(["serious", "critical"]);

/// axe-core's serious and critical findings on the page as it stands, one line each (rule, impact, where).
async function blockingFindings(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((violation) => BLOCKING.has(violation.impact ?? ""))
    .flatMap((violation) =>
      violation.nodes.map((node) => `${violation.id} (${violation.impact}) at ${node.target.join(" ")}: ${node.failureSummary ?? ""}`),
    );
}

async function expectAccessible(page: Page, path: string, colorScheme = "light") {
  await page.goto(path);
  await expect(page.locator("main, body").first()).toBeVisible();
  const findings = await blockingFindings(page);
  // Every page is looked at, and the run fails at the end with each page's findings.
  expect.soft(findings, `axe-core on ${path} (${colorScheme})`).toEqual([]);
}

/// The address of the first link on the overview whose address matches `pattern`.
async function firstLink(page: Page, pattern: RegExp): Promise<string> {
  const hrefs = await page.locator("a[href]").evaluateAll((links) => links.map((link) => link.getAttribute("href") ?? ""));
  const found = hrefs.find((href) => pattern.test(href));
  expect(found, `a link matching ${pattern} on the overview`).toBeTruthy();
  return found!;
}

test("every page passes axe-core without a serious or critical finding", async ({ page }) => {
  test.setTimeout(180_000);
  await expectAccessible(page, "/sign-in");
  await signIn(page, "carol");
  const deployPr = await firstLink(page, /^\/repos\/.+\/deploy-prs\/\d+$/);
  const deployment = await firstLink(page, /^\/deployments\/\d+$/);
  const environment = await firstLink(page, /^\/environments\/[^/]+$/);
  for (const path of [
    "/",
    deployPr,
    "/deployments",
    "/insights",
    "/insights?env=dev&range=365",
    deployment,
    environment,
    "/environments/production",
    "/review-envs",
    "/settings/tokens",
    "/audit",
    "/settings/deliveries",
    "/settings/checks",
    "/chat",
    "/no-such-page",
  ]) {
    // Both colour schemes the stylesheet has.
    for (const colorScheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme });
      await expectAccessible(page, path, colorScheme);
    }
  }
  // The review before a redeploy: drawn for the press, not for an address.
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    await page.goto("/environments/dev");
    await page.getByRole("button", { name: "Redeploy", exact: true }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Review: redeploy dev" })).toBeVisible();
    expect.soft(await blockingFindings(page), `axe-core on the review (${colorScheme})`).toEqual([]);
    // The checks, as a person who administers nothing sees their answer.
    await page.goto("/settings/checks");
    await page.getByRole("button", { name: "Run the checks" }).click();
    await expect(page.getByRole("alert")).toContainText("the checks are for the admins");
    expect.soft(await blockingFindings(page), `axe-core on the checks (${colorScheme})`).toEqual([]);
  }
});

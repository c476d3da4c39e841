import { Browser, expect, Page, test } from "@playwright/test";
import { signIn } from "./sign_in";

// A whole sandbox rollout (20 s) after an approval.
test.setTimeout(120_000);

/// One person in the simulated channel, in a browser of their own (two people, two sessions).
async function openChat(browser: Browser, login: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, login, "/chat");
  await expect(page.getByRole("heading", { level: 1, name: "Sandbox chat" })).toBeVisible();
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
  return page;
}

async function type(page: Page, line: string) {
  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill(line);
  await page.getByRole("button", { name: "Send", exact: true }).click();
}

const channel = (page: Page) => page.getByRole("log");

test("in the sandbox chat: the deploy PR, a deploy held by the gate, then approved from the thread by a second person and followed to its outcome", async ({ browser }) => {
  // By here (verify.spec.ts), production's deploy PR still has unverified items.
  const bob = await openChat(browser, "bob");
  await expect(bob.getByRole("note", { name: "Sandbox" })).toContainText("Slack are simulated");

  await type(bob, "/tengu deploy-pr production");
  await expect(channel(bob)).toContainText("Deploy PR for production: http");
  await expect(channel(bob)).toContainText("Waiting for: @");

  await type(bob, "/tengu deploy production");
  await expect(channel(bob)).toContainText("production has unverified changes");

  // alice (admin) overrides the gate on the deploy PR's page, with a reason.
  const alice = await openChat(browser, "alice");
  await alice.goto("/");
  await alice.getByRole("link", { name: /Deploy to production/ }).click();
  await expect(alice.locator("body[data-hydrated=true]")).toHaveCount(1);
  const gate = alice.getByRole("region", { name: "Verification gate" });
  await gate.getByText("Override the gate…").click();
  await gate.getByLabel("Why should this deploy go ahead").fill("Verified together in the release call");
  await gate.getByRole("button", { name: "Override and allow the deploy" }).click();
  await expect(gate).toContainText("Overridden by alice");

  // bob deploys again: one message in the channel, waiting for a second person, with its buttons.
  await type(bob, "/tengu deploy production");
  const message = channel(bob).locator("li.chat__entry", { has: bob.getByRole("button", { name: "Approve" }) });
  await expect(message).toContainText("to production by bob");
  await expect(message).toContainText("Awaiting approval");
  await expect(message.getByRole("link", { name: "Open in tengu" })).toBeVisible();
  const entry = await message.getAttribute("data-entry");

  // bob's own approval does not count.
  await message.getByRole("button", { name: "Approve" }).click();
  await expect(channel(bob)).toContainText("needs another person's approval");

  // alice sees the same message in her session and approves from its button.
  await alice.goto("/chat");
  await expect(alice.locator("body[data-hydrated=true]")).toHaveCount(1);
  const hers = channel(alice).locator(`li.chat__entry[data-entry="${entry}"]`);
  await hers.getByRole("button", { name: "Approve" }).click();
  await expect(channel(alice)).toContainText("You approved deployment");

  // bob's page, never reloaded, shows the same message edited through the rollout to its outcome.
  const same = channel(bob).locator(`li.chat__entry[data-entry="${entry}"]`);
  await expect(same).toContainText("Succeeded", { timeout: 60_000 });
  await expect(same).toContainText(/edited \d+×/);
  await expect(same.getByRole("button", { name: "Approve" })).toHaveCount(0);
  await expect(same.getByText("Roll back…")).toBeVisible();
  await expect(channel(bob).locator("li.chat__entry .chat__buttons")).toHaveCount(1);
});

/**
 * The "BOT" tag beside a bot's name (a user payload with `is_bot: true`): a bot posts
 * through its room's webhook (docs/bots.md), so readers see its messages are no person's.
 */

import { make } from "./dom.js";

/** Append the tag to `node` if `user` is a bot; return `node`. */
export function withBotTag(node, user) {
  if (user?.is_bot) {
    const tag = make("span", "bot-tag", "bot");
    tag.title = "Posted by a bot through its webhook";
    node.append(" ", tag);
  }
  return node;
}

/**
 * A message's formatted body: the HTML the server rendered and sanitized when the message was
 * stored (chat/formatting.py; docs/protocol.md, Formatting), shown as it is. The page runs no
 * Markdown renderer of its own, so every reader sees what the server decided.
 *
 * The one place markup reaches the DOM. It is parsed in an inert <template> (nothing in one
 * loads or runs) and checked against the allowlist the server applies; HTML outside it, which
 * only a fault of the server could send, is not shown: the message's source is, as text.
 */

const ATTRIBUTES = {
  P: [],
  BR: [],
  STRONG: [],
  EM: [],
  S: [],
  CODE: [],
  PRE: [],
  BLOCKQUOTE: [],
  UL: [],
  OL: ["start"],
  LI: [],
  A: ["href", "title", "target", "rel"],
  SPAN: ["class", "data-user-id"],
};
const SCHEMES = /^(https?|mailto):/i;

function allowed(node) {
  const names = ATTRIBUTES[node.tagName];
  if (!names || ![...node.attributes].every((attribute) => names.includes(attribute.name))) {
    return false;
  }
  if (node.tagName === "A") return SCHEMES.test(node.getAttribute("href") || "");
  if (node.tagName === "SPAN") return node.getAttribute("class") === "mention";
  return true;
}

/** The body of a message: its HTML, mentions of `me` marked; its source as text otherwise. */
export function formattedBody(message, me) {
  const body = document.createElement("div");
  body.className = "msg-body";
  const template = document.createElement("template");
  template.innerHTML = message.html || "";
  const content = template.content;
  if (!message.html || ![...content.querySelectorAll("*")].every(allowed)) {
    body.textContent = message.content;
    return body;
  }
  body.classList.add("formatted");
  // Mentions calling this user stand out: theirs, and @room (a mention without a user id).
  const calling = `span.mention:not([data-user-id]), span.mention[data-user-id="${me?.id}"]`;
  for (const span of content.querySelectorAll(calling)) span.classList.add("mention-me");
  body.append(content);
  return body;
}

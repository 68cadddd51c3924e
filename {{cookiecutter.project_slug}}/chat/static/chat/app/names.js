/**
 * How the page names a user: the display name they chose, else their username, and the
 * initials drawn where they have no avatar. Pure functions of a user payload
 * ({id, username, display_name?, avatar_url?}); no imports, so any pane may use them.
 */

/** The name to show for a user: their display name, else their username. */
export function displayName(user) {
  if (!user) return "Deleted user";
  return user.display_name || user.username;
}

/** One or two letters for a user without an avatar: of the first two words of their name. */
export function initials(user) {
  const words = displayName(user).split(/[\s._-]+/u).filter(Boolean);
  const letters = words.slice(0, 2).map((word) => [...word][0]);
  return letters.join("").toLocaleUpperCase() || "?";
}

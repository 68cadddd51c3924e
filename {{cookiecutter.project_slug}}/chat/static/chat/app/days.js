/**
 * Days and times in the message list, in the user's own time zone and locale: the day
 * separators ("Today", "Yesterday", a weekday this week, the full date before), the short
 * time on each message and the full date and time of its tooltip.
 *
 * Pure functions of their arguments and of the browser's clock, zone and locale.
 */

const time = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });
const weekday = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long" });
const fullDate = new Intl.DateTimeFormat(undefined, { dateStyle: "full" });
const DAY = 24 * 60 * 60_000;

/** The local calendar day of ``iso`` as a number (days since 1970), for comparing days. */
export function dayNumber(iso) {
  const date = new Date(iso);
  // Local midnight, counted in whole days; Date.UTC ignores the zone's daylight saving jumps.
  return Math.round(Date.UTC(date.getFullYear(), date.getMonth(), date.getDate()) / DAY);
}

/** "Today", "Yesterday", "Monday, 30 November" within the week, else the full date. */
export function dayLabel(iso, now = new Date()) {
  const ago = dayNumber(now.toISOString()) - dayNumber(iso);
  if (ago === 0) return "Today";
  if (ago === 1) return "Yesterday";
  if (ago > 1 && ago < 7) return weekday.format(new Date(iso));
  return fullDate.format(new Date(iso));
}

/** The time a message shows: hours and minutes (its day is the separator's). */
export function clockTime(iso) {
  return time.format(new Date(iso));
}

/** The tooltip of a message's time: the full date and time. */
export function fullTime(iso) {
  return full.format(new Date(iso));
}

/** Milliseconds until the next local midnight, when "Today" becomes "Yesterday". */
export function untilMidnight(now = new Date()) {
  const next = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
  return next - now;
}

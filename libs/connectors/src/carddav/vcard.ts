import ICAL from 'ical.js';

import type { ContactCard } from '@switchboard/downstream';

/**
 * The vCard (4.0) of a contact, its UID the canonical customer id. Only what the card says, no REV
 * or other stamp: the same contact always gives the same text, so writing it again changes nothing
 * (the server's ETag, a hash of the text, stays).
 */
export function contactToVCard(uid: string, card: ContactCard): string {
  const vcard = new ICAL.Component('vcard');
  vcard.addPropertyWithValue('version', '4.0');
  vcard.addPropertyWithValue('uid', uid);
  vcard.addPropertyWithValue('fn', card.name);
  if (card.email) vcard.addPropertyWithValue('email', card.email);
  if (card.phone) vcard.addPropertyWithValue('tel', card.phone).setParameter('type', 'voice');
  return vcard.toString();
}

/** A vCard's UID and contact fields (the first e-mail and phone); null for text that is no vCard. */
export function vCardToContact(text: string): { uid: string; card: ContactCard } | null {
  const vcard = parseOrNull(text);
  if (vcard?.name !== 'vcard') return null;
  const value = (property: string): string | null => {
    const found = vcard.getFirstPropertyValue(property);
    return typeof found === 'string' && found !== '' ? found : null;
  };
  const uid = value('uid');
  const name = value('fn');
  if (!uid || !name) return null;
  return { uid, card: { name, email: value('email'), phone: value('tel') } };
}

function parseOrNull(text: string): ReturnType<typeof ICAL.Component.fromString> | null {
  try {
    return ICAL.Component.fromString(text);
  } catch {
    return null;
  }
}

/** The card's file name in the collection: the UID, made safe for a URL path segment. */
export function vCardFileName(uid: string): string {
  return `${encodeURIComponent(uid)}.vcf`;
}

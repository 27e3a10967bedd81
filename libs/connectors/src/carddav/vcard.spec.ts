import { contactToVCard, vCardFileName, vCardToContact } from './vcard';

describe('contact vCards', () => {
  const card = {
    name: 'Anna Rossi, Ufficio; acquisti',
    email: 'anna@rossi.example',
    phone: '+39 02 1234567',
  };

  it('writes a vCard 4.0 whose UID is the customer id, with name, e-mail and phone', () => {
    const text = contactToVCard('cus-42', card);
    expect(text.split('\r\n')).toEqual([
      'BEGIN:VCARD',
      'VERSION:4.0',
      'UID:cus-42',
      // Commas are escaped in a text value: the name stays one value.
      'FN:Anna Rossi\\, Ufficio; acquisti',
      'EMAIL:anna@rossi.example',
      'TEL;TYPE=voice:+39 02 1234567',
      'END:VCARD',
    ]);
  });

  it('reads back what it writes', () => {
    expect(vCardToContact(contactToVCard('cus-42', card))).toEqual({ uid: 'cus-42', card });
  });

  it('leaves out a missing e-mail or phone (no empty properties)', () => {
    const text = contactToVCard('cus-43', { name: 'Bruno', email: null, phone: null });
    expect(text).not.toMatch(/EMAIL|TEL/);
    expect(vCardToContact(text)).toEqual({
      uid: 'cus-43',
      card: { name: 'Bruno', email: null, phone: null },
    });
  });

  it('gives the same text for the same contact (a rewrite keeps the ETag)', () => {
    expect(contactToVCard('cus-42', card)).toBe(contactToVCard('cus-42', { ...card }));
  });

  it('refuses text that is no vCard, or a vCard without UID or name', () => {
    expect(vCardToContact('not a card')).toBeNull();
    expect(vCardToContact('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR')).toBeNull();
    expect(vCardToContact('BEGIN:VCARD\r\nVERSION:4.0\r\nFN:X\r\nEND:VCARD')).toBeNull();
  });

  it('names the file after the UID, safe in a URL path', () => {
    expect(vCardFileName('cus-42')).toBe('cus-42.vcf');
    expect(vCardFileName('a/b c')).toBe('a%2Fb%20c.vcf');
  });
});

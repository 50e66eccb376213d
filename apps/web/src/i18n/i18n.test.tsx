import { act, fireEvent, screen } from '@testing-library/react';
import { useTranslation } from 'react-i18next';
import { describe, expect, it } from 'vitest';

import { LanguageSwitch } from '../layout/Shell';
import { renderUi } from '../test/render';
import i18n from '.';
import { de } from './de';
import { en } from './en';

/** Every key path of a nested texts object, e.g. `hosts.new`. */
function paths(obj: object, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) =>
    typeof v === 'object' && v !== null ? paths(v as object, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

function Probe() {
  const { t, i18n: inst } = useTranslation();
  const nf = new Intl.NumberFormat(inst.resolvedLanguage);
  return (
    <div>
      <h2>{t('hosts.title')}</h2>
      <button type="button">{t('hosts.new')}</button>
      <span data-testid="number">{nf.format(12345.5)}</span>
    </div>
  );
}

describe('i18n', () => {
  it('German and English have the same keys, and no text is empty', () => {
    expect(paths(de).sort()).toEqual(paths(en).sort());
    for (const texts of [en, de]) {
      for (const p of paths(texts)) {
        const value = p.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], texts);
        expect({ p, value }).toEqual({ p, value: expect.stringMatching(/\S/) });
      }
    }
  });

  it('the language switch changes the texts, the numbers, <html lang> and is remembered', async () => {
    renderUi(
      <>
        <LanguageSwitch />
        <Probe />
      </>,
    );
    expect(screen.getByRole('heading', { name: 'Hosts' })).toBeTruthy();
    expect(screen.getByTestId('number').textContent).toBe('12,345.5');

    await act(async () => {
      fireEvent.click(screen.getByText('DE'));
    });
    expect(screen.getByRole('heading', { name: 'Rechner' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Neuer Rechner' })).toBeTruthy();
    expect(screen.getByTestId('number').textContent).toBe('12.345,5');
    expect(document.documentElement.getAttribute('lang')).toBe('de');
    expect(localStorage.getItem('linbo.lang')).toBe('de');

    await act(async () => {
      fireEvent.click(screen.getByText('EN'));
    });
    expect(screen.getByRole('heading', { name: 'Hosts' })).toBeTruthy();
    expect(i18n.resolvedLanguage).toBe('en');
  });
});

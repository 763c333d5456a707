/**
 * Characters that look like ASCII but are not, for catching a config key that only *looks* right
 * (`ｉｏｎ-deploy:`, `іоn-deploy:` with Cyrillic і and о). NFKC folds compatibility forms (full-width
 * letters and colon, ligatures); a small table from Unicode's confusables (UTS #39,
 * https://www.unicode.org/Public/security/latest/confusables.txt) maps the Cyrillic and Greek letters
 * and the dashes NFKC leaves alone; zero-width characters are dropped.
 */

const LOOKALIKES: Record<string, string> = {
  // Cyrillic
  а: "a",
  в: "b",
  е: "e",
  һ: "h",
  і: "i",
  ј: "j",
  к: "k",
  ӏ: "l",
  м: "m",
  н: "h",
  о: "o",
  р: "p",
  с: "c",
  т: "t",
  у: "y",
  х: "x",
  ѕ: "s",
  ԁ: "d",
  ԛ: "q",
  ԝ: "w",
  ь: "b",
  г: "r",
  п: "n",
  А: "a",
  В: "b",
  Е: "e",
  К: "k",
  М: "m",
  Н: "h",
  О: "o",
  Р: "p",
  С: "c",
  Т: "t",
  Х: "x",
  І: "i",
  Ј: "j",
  Ѕ: "s",
  У: "y",
  // Greek
  α: "a",
  β: "b",
  ε: "e",
  ι: "i",
  κ: "k",
  ν: "v",
  ο: "o",
  ρ: "p",
  τ: "t",
  υ: "u",
  χ: "x",
  γ: "y",
  Α: "a",
  Β: "b",
  Ε: "e",
  Ζ: "z",
  Η: "h",
  Ι: "i",
  Κ: "k",
  Μ: "m",
  Ν: "n",
  Ο: "o",
  Ρ: "p",
  Τ: "t",
  Υ: "y",
  Χ: "x",
  // Dashes and a colon NFKC keeps
  "\u2010": "-",
  "\u2011": "-",
  "\u2012": "-",
  "\u2013": "-",
  "\u2014": "-",
  "\u2212": "-",
  "\u02d7": "-",
  "\u2236": ":",
  "\u02d0": ":",
  "\ua789": ":",
};

const ZERO_WIDTH = /[\u200b-\u200d\u2060\ufeff\u00ad]/g;

/** What `text` looks like in lower-case ASCII: look-alikes mapped, invisible characters dropped. */
export function lookalikeSkeleton(text: string): string {
  const folded = text.normalize("NFKC").replace(ZERO_WIDTH, "");
  return [...folded]
    .map((c) => LOOKALIKES[c] ?? c)
    .join("")
    .toLowerCase();
}

/** The characters of `text` outside printable ASCII, as `ｉ (U+FF49)`, for an error message. */
export function nonAsciiCharacters(text: string): string[] {
  const found = [...text].filter((c) => !/^[\x20-\x7e]$/.test(c));
  return [...new Set(found)].map((c) => {
    const code = (c.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, "0");
    return `${/^[\p{L}\p{N}\p{P}]$/u.test(c) ? `${c} ` : ""}(U+${code})`;
  });
}

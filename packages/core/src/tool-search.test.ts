import { describe, expect, it } from 'vitest';
import { buildToolSearchIndex, searchTools, tokenize } from './tool-search.ts';

const TOOLS = [
  { name: 'everything__get-sum', description: 'Returns the sum of two numbers' },
  { name: 'everything__echo', description: 'Echoes back the input string' },
  { name: 'github__create_issue', title: 'Create issue', description: 'Opens an issue in a repository' },
  { name: 'github__list_issues', description: 'Lists the issues of a repository' },
  { name: 'notes__search', title: 'Find notes', description: 'Full-text search over notes' },
];
const index = buildToolSearchIndex(TOOLS);
const names = (query: string, limit = 10) => searchTools(index, query, limit).map((t) => t.name);

describe('tokenize', () => {
  it('splits names, camelCase and punctuation into lower-case words', () => {
    expect(tokenize('github__create_issue')).toEqual(['github', 'create', 'issue']);
    expect(tokenize('getSum get-sum HTTPServer v2')).toEqual([
      'get',
      'sum',
      'get',
      'sum',
      'httpserver',
      'v2',
    ]);
    expect(tokenize('  ¿Qué  tal? ')).toEqual(['qué', 'tal']);
    expect(tokenize('')).toEqual([]);
  });
});

describe('searchTools', () => {
  it('finds a tool by a word of its description, and by a word prefix', () => {
    expect(names('echoes')).toEqual(['everything__echo']);
    expect(names('echo')).toEqual(['everything__echo']);
    expect(names('ec')).toEqual([]);
  });

  it('ranks name over title over description, and more matched words higher', () => {
    // "issue" is in both names; "create" only in one name and its title.
    expect(names('create issue')).toEqual(['github__create_issue', 'github__list_issues']);
    // "search" is notes__search's name; nothing else mentions it.
    expect(names('search')).toEqual(['notes__search']);
    // A title word outranks the same word in a description.
    expect(names('find notes')[0]).toBe('notes__search');
    expect(names('echoes back the input')[0]).toBe('everything__echo');
  });

  it('ignores stop words unless the query has nothing else', () => {
    expect(names('the echo')).toEqual(['everything__echo']);
    expect(names('the')).toEqual(['everything__echo', 'everything__get-sum', 'github__list_issues']);
  });

  it('breaks ties by name and honours the limit', () => {
    expect(names('repository')).toEqual(['github__create_issue', 'github__list_issues']);
    expect(names('repository', 1)).toEqual(['github__create_issue']);
  });

  it('gives the first tools by name for an empty query', () => {
    expect(names('', 2)).toEqual(['everything__echo', 'everything__get-sum']);
    expect(names('  --  ', 10)).toHaveLength(TOOLS.length);
  });

  it('is deterministic whatever the input order', () => {
    const reversed = buildToolSearchIndex([...TOOLS].reverse());
    for (const q of ['', 'issue', 'repository notes', 'the']) {
      expect(searchTools(reversed, q, 10)).toEqual(searchTools(index, q, 10));
    }
  });
});

/** One line of the folder tree: a folder the host knows, or a parent that only exists as a path. */
export interface FolderTreeRow<T> {
  /** Full logical name ('/'-separated). */
  path: string;
  /** The last segment, what the tree shows. */
  label: string;
  depth: number;
  item: T | null;
}

/**
 * Orders folders as mail programs do: INBOX first, then by name ignoring case, each folder
 * followed by its subfolders; a subfolder whose parent is not listed gets a placeholder parent
 * so the tree stays readable.
 */
export function folderTree<T>(items: readonly T[], nameOf: (item: T) => string): FolderTreeRow<T>[] {
  interface Node {
    path: string;
    label: string;
    item: T | null;
    children: Map<string, Node>;
  }
  const root: Node = { path: '', label: '', item: null, children: new Map() };
  for (const item of items) {
    const segments = nameOf(item).split('/');
    let node = root;
    segments.forEach((segment, i) => {
      const path = segments.slice(0, i + 1).join('/');
      let child = node.children.get(segment);
      if (!child) {
        child = { path, label: segment, item: null, children: new Map() };
        node.children.set(segment, child);
      }
      node = child;
    });
    node.item = item;
  }

  const rows: FolderTreeRow<T>[] = [];
  const walk = (node: Node, depth: number) => {
    for (const child of [...node.children.values()].sort(byMailboxName)) {
      rows.push({ path: child.path, label: child.label, depth, item: child.item });
      walk(child, depth + 1);
    }
  };
  walk(root, 0);
  return rows;
}

function byMailboxName(a: { path: string; label: string }, b: { path: string; label: string }): number {
  const inboxA = a.path.toUpperCase() === 'INBOX';
  const inboxB = b.path.toUpperCase() === 'INBOX';
  if (inboxA !== inboxB) return inboxA ? -1 : 1;
  return a.label.localeCompare(b.label, undefined, { sensitivity: 'base' }) || a.label.localeCompare(b.label);
}

/**
 * Renders the popup's stateless components to a plain tree in Node, without a DOM: function components are called
 * with their props and elements become { tag, props, children }. Enough to find elements by `data-testid`, read
 * their text and call their `onClick`, which is what a component test of the popup needs. (Components with hooks
 * cannot be expanded this way; the popup keeps its hooks in `App` and renders through hook-free components.)
 */
import { Fragment, type ComponentChildren, type FunctionComponent, type VNode } from 'preact';

export interface TreeElement {
  tag: string;
  props: Record<string, unknown>;
  children: TreeNode[];
}
export type TreeNode = TreeElement | string;

export function renderTree(node: ComponentChildren): TreeNode[] {
  if (node === null || node === undefined || typeof node === 'boolean') return [];
  if (typeof node === 'string' || typeof node === 'number' || typeof node === 'bigint') return [String(node)];
  if (Array.isArray(node)) return node.flatMap((child: ComponentChildren) => renderTree(child));
  const vnode = node as VNode<Record<string, unknown>>;
  const props = vnode.props ?? {};
  if (vnode.type === Fragment) return renderTree(props.children as ComponentChildren);
  if (typeof vnode.type === 'function') {
    return renderTree((vnode.type as FunctionComponent<Record<string, unknown>>)(props) as ComponentChildren);
  }
  const { children, ...rest } = props;
  return [{ tag: vnode.type as string, props: rest, children: renderTree(children as ComponentChildren) }];
}

function* walk(nodes: TreeNode[]): Generator<TreeElement> {
  for (const node of nodes) {
    if (typeof node === 'string') continue;
    yield node;
    yield* walk(node.children);
  }
}

export function findAll(nodes: TreeNode[], predicate: (e: TreeElement) => boolean): TreeElement[] {
  return [...walk(nodes)].filter(predicate);
}

export function byTestId(nodes: TreeNode[], testId: string): TreeElement | undefined {
  return findAll(nodes, (e) => e.props['data-testid'] === testId)[0];
}

export function textOf(nodes: TreeNode | TreeNode[]): string {
  const list = Array.isArray(nodes) ? nodes : [nodes];
  return list.map((n) => (typeof n === 'string' ? n : textOf(n.children))).join('');
}

export function click(element: TreeElement | undefined): void {
  if (!element) throw new Error('nothing to click');
  if (element.props.disabled) throw new Error('the element is disabled');
  (element.props.onClick as () => void)();
}

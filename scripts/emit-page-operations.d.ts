/** Types of scripts/emit-page-operations.js, for the tests that import it. */
export interface PageOperation {
  name: string;
  operation: "query" | "mutation" | "subscription";
  /** The `#` comment right above the operation in its file, line by line. */
  comment: string[];
  /** The operation followed by every fragment it uses. */
  source: string;
}
/** Every operation of operations/*.graphql, in file and document order. */
export function pageOperations(root?: string): PageOperation[];
/** The text public/requests/generated/operations.js must hold. */
export function renderPageOperations(root?: string): string;
/** public/requests/generated/operations.js, relative to the repository root. */
export const OUTPUT: string;

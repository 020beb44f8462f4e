import type { Context } from "../context";
import { unauthenticated } from "../modules/shared/errors";
import type { Loaders } from "../modules/shared/loaders";
import type { Viewer } from "../modules/shared/viewer";

/** The signed-in viewer and their loaders; UNAUTHENTICATED without a token. */
export function signedIn(context: Context): { viewer: Viewer; loaders: Loaders } {
  if (!context.viewer || !context.loaders) throw unauthenticated();
  return { viewer: context.viewer, loaders: context.loaders };
}

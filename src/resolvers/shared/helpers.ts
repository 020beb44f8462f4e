import type { Context } from "../../context";
import { unauthenticated } from "../../services/shared/errors";
import type { Loaders } from "../../services/shared/loaders";
import type { Viewer } from "../../services/shared/viewer";

/** The signed-in viewer and their loaders; UNAUTHENTICATED without a token. */
export function signedIn(context: Context): { viewer: Viewer; loaders: Loaders } {
  if (!context.viewer || !context.loaders) throw unauthenticated();
  return { viewer: context.viewer, loaders: context.loaders };
}

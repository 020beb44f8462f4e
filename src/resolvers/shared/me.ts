/**
 * The viewer's User as `me` answers it, told apart from the same person met
 * elsewhere (a requester, a recipient, the people picker): fields promised
 * "only on `me`" (`User.permissions`) ask `isMe`. The mark is a copy's own
 * symbol, so the user loaders' shared objects stay unmarked.
 */
import type { UserEntity } from "../../entities";

const ANSWERED_AS_ME = Symbol("answered as me");

/** `user` as `me` answers it. */
export const asMe = (user: UserEntity): UserEntity =>
  Object.assign(Object.create(Object.getPrototypeOf(user) as object) as UserEntity, user, { [ANSWERED_AS_ME]: true });

/** Whether `user` is what `me` answered. */
export const isMe = (user: UserEntity): boolean => (user as UserEntity & { [ANSWERED_AS_ME]?: boolean })[ANSWERED_AS_ME] === true;

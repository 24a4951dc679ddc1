// Post rules shared by create and patch: validation, file attachment, client shape.
import type { FileInfo } from "@mattermost/types/files";
import type { Post, PostMetadata } from "@mattermost/types/posts";
import { AppError } from "./app-error.ts";
import type { Store } from "./store.ts";

/** The real server's minimum MaxPostSize, in runes (code points). */
const MAX_POST_RUNES = 16383;
/** model.PostFileidsMaxRunes: the JSON array of file ids is at most 300 runes, i.e. 10 ids. */
const FILE_IDS_MAX_RUNES = 300;
/** model.PostPropsMaxRunes */
const PROPS_MAX_RUNES = 800_000;

function runeCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export function checkMessageLength(message: string): void {
  const length = runeCount(message);
  if (length > MAX_POST_RUNES) {
    throw new AppError("model.post.is_valid.message_length.app_error", 400, {
      Length: length,
      MaxLength: MAX_POST_RUNES,
    });
  }
}

/** The parts of model.Post.IsValid that a client can get wrong. */
export function checkPostIsValid(post: Post): void {
  checkMessageLength(post.message);
  if (runeCount(JSON.stringify(post.file_ids ?? [])) > FILE_IDS_MAX_RUNES) {
    throw new AppError("model.post.is_valid.file_ids.app_error", 400);
  }
  if (runeCount(JSON.stringify(post.props)) > PROPS_MAX_RUNES)
    throw new AppError("model.post.is_valid.props.app_error", 400);
}

/** model.ParseHashtags, simplified: words starting with "#" and a letter, at least 3 characters. */
export function parseHashtags(message: string): string {
  const tags: string[] = [];
  for (const word of message.split(/\s+/)) {
    const tag = word.replace(/[^\p{L}\p{N}_-]+$/u, "");
    if (/^#\p{L}[\p{L}\p{N}_.-]+$/u.test(tag) && !tags.includes(tag)) tags.push(tag);
  }
  return tags.join(" ");
}

/** Ids kept in order, without duplicates (model.RemoveDuplicateStrings). */
export function uniqueIds(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

/**
 * FileInfoStore.AttachToPost: a file is attached when it exists, belongs to the poster and is not
 * yet attached to another post. Other ids are dropped silently, as the real server does.
 */
export function attachFiles(store: Store, post: Post, fileIds: readonly string[]): string[] {
  const attached: string[] = [];
  for (const id of fileIds) {
    const file = store.files.get(id);
    if (!file || file.info.user_id !== post.user_id) continue;
    if (file.info.post_id && file.info.post_id !== post.id) continue;
    file.info.post_id = post.id;
    file.info.channel_id = post.channel_id;
    attached.push(id);
  }
  return attached;
}

/**
 * PreparePostForClient: metadata.files lists the attached files. The real server omits empty
 * metadata fields (Go `omitempty`), so a post without files has `metadata: {}`; the client type
 * declares the fields required, hence the cast.
 */
export function clientMetadata(store: Store, post: Post): PostMetadata {
  const files: FileInfo[] = [];
  for (const id of post.file_ids ?? []) {
    const file = store.files.get(id);
    if (file) files.push(file.info);
  }
  const priority = post.metadata?.priority;
  return { ...(files.length > 0 ? { files } : {}), ...(priority ? { priority } : {}) } as PostMetadata;
}

/** file_ids is `omitempty` too. */
export function setFileIds(post: Post, ids: string[]): void {
  if (ids.length > 0) post.file_ids = ids;
  else delete post.file_ids;
}

// English messages of the error ids this server answers with, copied from the real server's
// server/i18n/en.json. An id without a translation is answered with the id itself, as go-i18n does.

const MESSAGES: Record<string, string> = {
  "api.context.404.app_error": "Sorry, we could not find the page.",
  "api.context.session_expired.app_error": "Invalid or expired session, please login again.",
  "api.context.permissions.app_error": "You do not have the appropriate permissions.",
  "api.context.invalid_body_param.app_error": "Invalid or missing {{.Name}} in request body.",
  "api.context.invalid_url_param.app_error": "Invalid or missing {{.Name}} parameter in request URL.",
  "api.context.request_body_too_large.app_error": "Unable to process request. Request body too large.",
  "api.file.upload_file.too_large_detailed.app_error":
    "Unable to upload file {{.Filename}}. {{.Length}} bytes exceeds the maximum allowed {{.Limit}} bytes.",
  "api.file.upload_file.read_request.app_error": "Unable to upload file(s). Error reading or parsing request data.",
  "api.file.upload_file.multiple_channel_ids.app_error": "Unable to upload file(s). Multiple conflicting channel_ids.",
  "api.file.upload_file.incorrect_number_of_client_ids.app_error":
    "Unable to upload file(s). Have {{.NumClientIds}} client_ids for {{.NumFiles}} files.",
  "api.channel.create_direct_channel.invalid_user.app_error": "Invalid user ID for direct channel creation.",
  "api.post.create_post.root_id.app_error": "Invalid RootId parameter.",
  "api.post.create_post.channel_root_id.app_error": "Invalid ChannelId for RootId parameter.",
  "app.channel.get_by_name.missing.app_error": "Channel does not exist.",
  "app.team.get_by_name.missing.app_error": "Unable to find the existing team.",
  "app.user.get_by_username.app_error":
    "Unable to find an existing account matching your username for this team. This team may require an invite from the team owner to join.",
  "app.user.missing_account.const": "Unable to find the user.",
  "api.post.update_post.permissions_time_limit.app_error": "Post edit is only allowed for {{.timeLimit}} seconds.",
  "app.post.get.app_error": "Unable to get the post.",
  "model.post.is_valid.message_length.app_error": "Post Message property is longer than the maximum permitted length.",
  "model.post.is_valid.file_ids.app_error":
    "Invalid file ids. Note that uploads are limited to 10 files maximum. Please use additional posts for more files.",
  "model.post.is_valid.props.app_error": "Invalid props.",
  "web.incoming_webhook.disabled.app_error": "Incoming webhooks have been disabled by the system admin.",
  "web.incoming_webhook.invalid.app_error": "Invalid webhook.",
  "web.incoming_webhook.text.app_error": "No text specified.",
  "web.incoming_webhook.parse.app_error": "Unable to parse incoming data.",
  "web.incoming_webhook.channel.app_error": "Couldn't find the channel.",
  "web.incoming_webhook.user.app_error": "Couldn't find the user {{.user}}.",
  "web.incoming_webhook.channel_locked.app_error": "This webhook is not permitted to post to the requested channel.",
  "web.incoming_webhook.permissions.app_error": "Inappropriate channel permissions.",
  "license_error.feature_unavailable": "Feature unavailable for current license.",
};

export function translate(id: string, params: Record<string, string | number> = {}): string {
  const template = MESSAGES[id];
  if (template === undefined) return id;
  return template.replace(/\{\{\.(\w+)\}\}/g, (_, key: string) => String(params[key] ?? "<no value>"));
}

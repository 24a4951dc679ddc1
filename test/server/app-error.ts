// model.AppError as the real server answers it: {id, message, detailed_error, request_id, status_code}.
import { translate } from "./i18n.ts";

export interface AppErrorBody {
  id: string;
  message: string;
  detailed_error: string;
  request_id?: string;
  status_code: number;
}

export class AppError extends Error {
  readonly id: string;
  readonly status: number;
  readonly detailed: string;

  constructor(id: string, status: number, params: Record<string, string | number> = {}, detailed = "") {
    super(translate(id, params));
    this.id = id;
    this.status = status;
    this.detailed = detailed;
  }

  /** The JSON body; request_id is omitted when empty, as Go's `omitempty` does. */
  toBody(requestId: string): AppErrorBody {
    const body: AppErrorBody = {
      id: this.id,
      message: this.message,
      detailed_error: this.detailed,
      status_code: this.status,
    };
    if (requestId) body.request_id = requestId;
    return body;
  }
}

export const sessionExpired = (): AppError => new AppError("api.context.session_expired.app_error", 401);
export const permissionError = (): AppError => new AppError("api.context.permissions.app_error", 403);
/** c.SetInvalidParam(name) */
export const invalidParam = (name: string): AppError =>
  new AppError("api.context.invalid_body_param.app_error", 400, { Name: name });
/** c.SetInvalidURLParam(name) */
export const invalidUrlParam = (name: string): AppError =>
  new AppError("api.context.invalid_url_param.app_error", 400, { Name: name });
export const bodyTooLarge = (): AppError => new AppError("api.context.request_body_too_large.app_error", 413);

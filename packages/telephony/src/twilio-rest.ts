import twilio from 'twilio';

const TWILIO_API_HOST = /^https:\/\/[a-z0-9.-]*\.twilio\.com/;

/** A RequestClient that sends every Twilio API request to `baseUrl` instead of *.twilio.com. */
class RebasedRequestClient extends twilio.RequestClient {
  constructor(private readonly baseUrl: string) {
    super();
  }

  override request<TData>(opts: Parameters<twilio.RequestClient['request']>[0] & { data?: TData }) {
    return super.request<TData>({ ...opts, uri: opts.uri.replace(TWILIO_API_HOST, this.baseUrl) });
  }
}

export interface TwilioRestOptions {
  accountSid: string;
  authToken: string;
  /** Base URL of a Twilio-compatible API (e.g. the simulator); default the real api.twilio.com. */
  apiBaseUrl?: string;
}

/** The twilio SDK client, optionally pointed at another base URL. */
export function createTwilioRestClient(opts: TwilioRestOptions): twilio.Twilio {
  return twilio(opts.accountSid, opts.authToken, {
    ...(opts.apiBaseUrl ? { httpClient: new RebasedRequestClient(opts.apiBaseUrl.replace(/\/+$/, '')) } : {}),
    autoRetry: false,
  });
}

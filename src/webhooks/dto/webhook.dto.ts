import { ApiProperty } from '@nestjs/swagger';
import type { WebhookAttempt } from '../webhook-attempt.entity.js';
import type { WebhookMessage } from '../webhook-message.entity.js';
import type { RevealedSecret } from '../webhook-secrets.service.js';

export class WebhookAttemptDto {
  @ApiProperty({ description: 'When the attempt started' })
  attemptedAt: Date;

  @ApiProperty({ type: Number, nullable: true, example: 503, description: 'The HTTP status answered; null when no answer came' })
  httpStatus: number | null;

  @ApiProperty({ example: 42 })
  durationMs: number;

  @ApiProperty({ type: String, nullable: true, example: 'HTTP 503', description: 'What went wrong; null on success' })
  error: string | null;

  static from(attempt: WebhookAttempt): WebhookAttemptDto {
    return { attemptedAt: attempt.attemptedAt, httpStatus: attempt.httpStatus, durationMs: attempt.durationMs, error: attempt.error };
  }
}

export class WebhookMessageDto {
  @ApiProperty({ example: 2, format: 'int64', description: 'Unique, chronological message id; also the `webhook-id` header' })
  mid: number;

  @ApiProperty({ example: 'orderStatusChanged' })
  type: string;

  @ApiProperty({ enum: ['pending', 'delivered', 'failed'] })
  status: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'gone',
    description: 'Why a failed message failed: gone (410), exhausted (the last attempt failed)',
  })
  failureReason: string | null;

  @ApiProperty({ example: 'https://my.callback.server.com/url/endpoint' })
  callbackUrl: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { mid: 2, type: 'orderStatusChanged', data: { id: 1, status: 'FAILED' } },
    description: 'The body sent (the same bytes on every attempt)',
  })
  body: unknown;

  @ApiProperty()
  createdAt: Date;

  @ApiProperty({ type: Date, nullable: true })
  deliveredAt: Date | null;

  @ApiProperty({ type: Date, nullable: true, description: 'When the next attempt is due; null once delivered or failed' })
  nextAttemptAt: Date | null;

  @ApiProperty({ type: [WebhookAttemptDto] })
  attempts: WebhookAttemptDto[];

  static from(message: WebhookMessage, attempts: WebhookAttempt[]): WebhookMessageDto {
    return {
      mid: message.mid,
      type: message.type,
      status: message.status,
      failureReason: message.failureReason,
      callbackUrl: message.callbackUrl,
      body: JSON.parse(message.body) as unknown,
      createdAt: message.createdAt,
      deliveredAt: message.deliveredAt,
      nextAttemptAt: message.status === 'pending' ? message.nextAttemptAt : null,
      attempts: attempts.map(WebhookAttemptDto.from),
    };
  }
}

export class WebhookMessageListDto {
  @ApiProperty({ type: [WebhookMessageDto], description: 'Oldest first' })
  data: WebhookMessageDto[];
}

export class RedeliveryAcceptedDto {
  @ApiProperty({ example: 2 })
  mid: number;

  @ApiProperty({ enum: ['pending'] })
  status: string;

  @ApiProperty({ type: Date, nullable: true })
  nextAttemptAt: Date | null;
}

export class WebhookSecretDto {
  @ApiProperty({ example: 7 })
  organizationId: number;

  @ApiProperty({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description: 'The signing secret (`whsec_` + base64 of 32 bytes), for the `standardwebhooks` libraries',
  })
  secret: string;

  @ApiProperty()
  createdAt: Date;

  @ApiProperty({ type: Date, nullable: true })
  rotatedAt: Date | null;

  @ApiProperty({
    type: Date,
    nullable: true,
    description: 'After a rotation, until when the previous secret still signs too (24 hours); null otherwise',
  })
  previousExpiresAt: Date | null;

  static from(secret: RevealedSecret): WebhookSecretDto {
    return {
      organizationId: secret.organizationId,
      secret: secret.secret,
      createdAt: secret.createdAt,
      rotatedAt: secret.rotatedAt,
      previousExpiresAt: secret.previousExpiresAt,
    };
  }
}

const STATUSES = ['NOT_STARTED', 'IN_PROGRESS', 'FAILED', 'COMPLETED'] as const;

/** `data.error` of an orderStatusChanged message (FAILED only). */
export class OrderStatusChangedErrorDto {
  @ApiProperty({ example: 'TENANT_TOKEN_REJECTED' })
  code: string;

  @ApiProperty({ example: 'the tenant token was rejected' })
  message: string;
}

/** `data` of an orderStatusChanged message (webhook.types.ts, OrderStatusChangedBody). */
export class OrderStatusChangedDataDto {
  @ApiProperty({ example: 42, description: 'The order id' })
  id: number;

  @ApiProperty({ enum: STATUSES, enumName: 'OrderStatus', example: 'FAILED' })
  status: (typeof STATUSES)[number];

  @ApiProperty({ example: 7 })
  organizationId: number;

  @ApiProperty({ enum: STATUSES, enumName: 'OrderStatus', nullable: true, example: 'IN_PROGRESS', description: 'null on the first message of an order' })
  previousStatus: (typeof STATUSES)[number] | null;

  @ApiProperty({ type: OrderStatusChangedErrorDto, required: false, description: 'Why the order failed; only when status is FAILED' })
  error?: OrderStatusChangedErrorDto;
}

/**
 * The body POSTed to an order's X-Callback-Url (the OpenAPI document's `webhooks.orderStatusChanged`).
 * Described here so that the document is generated from code like the rest of the API.
 */
export class OrderStatusChangedEventDto {
  @ApiProperty({ example: 2, format: 'int64', description: 'Unique, strictly increasing message id; equals the webhook-id header' })
  mid: number;

  @ApiProperty({ enum: ['orderStatusChanged'], example: 'orderStatusChanged' })
  type: 'orderStatusChanged';

  @ApiProperty({ type: OrderStatusChangedDataDto })
  data: OrderStatusChangedDataDto;
}

/**
 * The JSON schema of accounts.yaml (structure and types); schema-validator.ts gives it precompiled
 * by ajv. Semantic checks that need more than one node (unknown names, account id shapes, regex
 * safety, CIDRs …) live in validate.ts.
 */
import { LEVELS } from '../core';

const stringList = { type: 'array', items: { type: 'string', minLength: 1 } } as const;
const nonEmptyStringList = { ...stringList, minItems: 1 } as const;
const level = { type: 'string', enum: [...LEVELS] } as const;
const mode = { type: 'string', enum: ['add', 'replace'] } as const;
const positiveMinutes = { type: 'number', exclusiveMinimum: 0 } as const;

export const accountsSchema = {
  $id: 'https://trailalerts.example/accounts.schema.json',
  type: 'object',
  additionalProperties: false,
  required: ['organization', 'trail', 'destinations'],
  properties: {
    organization: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'managementAccountId', 'securityAccountId', 'homeRegion'],
      properties: {
        id: { type: 'string' },
        managementAccountId: { type: 'string' },
        securityAccountId: { type: 'string' },
        homeRegion: { type: 'string', minLength: 1 },
        securityAccountIsDelegatedAdmin: { type: 'boolean' },
        accountDirectory: {
          type: 'object',
          additionalProperties: false,
          required: ['source'],
          properties: {
            source: { type: 'string', enum: ['static', 'organizations'] },
            roleArn: { type: 'string', minLength: 1 },
            cacheTtlMinutes: positiveMinutes,
            includeTags: { type: 'boolean' },
          },
        },
      },
    },
    trail: {
      type: 'object',
      additionalProperties: false,
      required: ['bucket', 'accountId'],
      properties: {
        bucket: { type: 'string', minLength: 3 },
        accountId: { type: 'string' },
        prefix: { type: 'string' },
        kmsKeyArn: { type: 'string', minLength: 1 },
        arn: { type: 'string', pattern: '^arn:aws[a-z-]*:cloudtrail:[a-z0-9-]+:[0-9]{12}:trail/.+$' },
        bucketRegion: { type: 'string', pattern: '^[a-z]{2}(-[a-z]+)+-[0-9]$' },
        regions: stringList,
        landingZone: { type: 'string', enum: ['controlTower', 'accelerator', 'none'] },
        newObjects: { type: 'string', enum: ['eventBridge', 'sns', 'poll'] },
        notificationTopicArn: {
          type: 'string',
          pattern: '^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$',
        },
        pollIntervalMinutes: { type: 'integer', minimum: 1, maximum: 60 },
      },
    },
    pipeline: {
      type: 'object',
      additionalProperties: false,
      required: ['branch'],
      properties: {
        connectionArn: { type: 'string', minLength: 1 },
        repository: { type: 'string', minLength: 1 },
        branch: { type: 'string', minLength: 1 },
        codeCommit: {
          type: 'object',
          additionalProperties: false,
          required: ['repositoryName'],
          properties: { repositoryName: { type: 'string', minLength: 1 } },
        },
      },
    },
    destinations: { type: 'object', additionalProperties: { $ref: '#/$defs/destination' } },
    ruleSets: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['rules'],
        properties: { rules: nonEmptyStringList, exclude: stringList, minLevel: level },
      },
    },
    exceptions: { type: 'array', items: { $ref: '#/$defs/exception' } },
    organizationalUnits: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          id: { type: 'string' },
          path: { type: 'string' },
          ruleSets: stringList,
          ruleSetsMode: mode,
          routes: { type: 'array', items: { $ref: '#/$defs/route' } },
          routesMode: mode,
          exceptions: { type: 'array', items: { $ref: '#/$defs/exception' } },
          cooldownMinutes: { type: 'number', minimum: 0 },
        },
      },
    },
    accounts: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'ou'],
        properties: {
          name: { type: 'string', minLength: 1 },
          ou: { type: 'string', minLength: 1 },
          tags: { type: 'object', additionalProperties: { type: 'string' } },
          ruleSets: stringList,
          ruleSetsMode: mode,
          routes: { type: 'array', items: { $ref: '#/$defs/route' } },
          routesMode: mode,
          exceptions: { type: 'array', items: { $ref: '#/$defs/exception' } },
          cooldownMinutes: { type: 'number', minimum: 0 },
        },
      },
    },
    enrichment: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ipContext: {
          type: 'object',
          additionalProperties: false,
          required: ['provider', 'apiKeySecret'],
          properties: {
            provider: { type: 'string', enum: ['vpnapi'] },
            apiKeySecret: { type: 'string', minLength: 1 },
            cacheTtlHours: positiveMinutes,
          },
        },
      },
    },
    grants: {
      type: 'object',
      additionalProperties: false,
      required: ['targets'],
      properties: {
        targets: {
          type: 'object',
          additionalProperties: false,
          required: ['organizationalUnits'],
          properties: { organizationalUnits: nonEmptyStringList },
        },
        regions: stringList,
        callAs: { type: 'string', enum: ['DELEGATED_ADMIN', 'SELF'] },
      },
    },
    placeholders: { type: 'object', additionalProperties: stringList },
    deployment: {
      type: 'object',
      additionalProperties: false,
      properties: {
        mode: { type: 'string', enum: ['pipeline', 'stacks'] },
        name: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,19}$' },
        analyzerReservedConcurrency: { type: 'integer', minimum: 2, maximum: 1000 },
        processorReservedConcurrency: { type: 'integer', minimum: 3, maximum: 1000 },
        huntWorkerReservedConcurrency: { type: 'integer', minimum: 2, maximum: 1000 },
        huntMaxConcurrency: { type: 'integer', minimum: 1, maximum: 1000 },
        huntGetsInFlight: { type: 'integer', minimum: 1, maximum: 64 },
        huntTimeoutHours: { type: 'integer', minimum: 1, maximum: 8760 },
        alarmEmail: { type: 'string', format: 'email' },
        trailSilenceMinutes: positiveMinutes,
        guardDutyRegions: { ...stringList, uniqueItems: true },
      },
    },
  },
  $defs: {
    destination: {
      type: 'object',
      required: ['type'],
      discriminator: { propertyName: 'type' },
      oneOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['from', 'to'],
          properties: {
            type: { const: 'email' },
            from: { type: 'string', format: 'email' },
            to: { type: 'array', minItems: 1, items: { type: 'string', format: 'email' } },
            cc: { type: 'array', items: { type: 'string', format: 'email' } },
            configurationSet: { type: 'string', minLength: 1 },
          },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['topicArn'],
          properties: {
            type: { const: 'sns' },
            topicArn: { type: 'string', pattern: '^arn:aws[a-z-]*:sns:[a-z0-9-]+:\\d{12}:[A-Za-z0-9_.-]+$' },
          },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['format', 'urlSecret'],
          properties: {
            type: { const: 'webhook' },
            format: { type: 'string', enum: ['slack', 'teams', 'json'] },
            urlSecret: { type: 'string', minLength: 1 },
            allowedHosts: stringList,
          },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['routingKeySecret'],
          properties: {
            type: { const: 'pagerduty' },
            routingKeySecret: { type: 'string', minLength: 1 },
            serviceRegion: { type: 'string', enum: ['us', 'eu'] },
          },
        },
        {
          type: 'object',
          additionalProperties: false,
          properties: {
            type: { const: 'securityhub' },
          },
        },
      ],
    },
    route: {
      type: 'object',
      additionalProperties: false,
      required: ['to'],
      properties: {
        to: nonEmptyStringList,
        minLevel: level,
        rules: stringList,
        tags: stringList,
        correlationsOnly: { type: 'boolean' },
      },
    },
    exception: {
      type: 'object',
      additionalProperties: false,
      required: ['rule', 'reason'],
      properties: {
        rule: { type: 'string', minLength: 1 },
        actors: stringList,
        actorPatterns: stringList,
        sourceIPs: stringList,
        userAgents: stringList,
        regions: stringList,
        eventNames: stringList,
        reason: { type: 'string' },
        expires: { type: 'string', format: 'date-or-date-time' },
      },
    },
  },
} as const;

/** The DynamoDB IP-context cache: item layout, TTL, expired items, and hostile stored values. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoIpContextCache } from '../../src/enrich';

const ddb = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
beforeEach(() => ddb.reset());

describe('DynamoIpContextCache', () => {
  const now = () => 1_700_000_000_000;

  it('writes pk/sk/c/ttl in the state table layout', async () => {
    ddb.on(PutCommand).resolves({});
    const cache = new DynamoIpContextCache({ client, tableName: 'state', now });
    await cache.put('8.8.8.8', { ip: '8.8.8.8', vpn: false, country: 'United States', asn: 'AS15169' }, 3600);
    expect(ddb.commandCalls(PutCommand)[0].args[0].input).toEqual({
      TableName: 'state',
      Item: {
        pk: 'ipctx#8.8.8.8',
        sk: '-',
        c: { vpn: false, country: 'United States', asn: 'AS15169' },
        ttl: 1_700_003_600,
      },
    });
    await cache.put('8.8.8.8', { ip: '8.8.8.8' }, 0);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(1);
  });

  it('reads live items, ignores expired ones and keeps only well-typed fields', async () => {
    const cache = new DynamoIpContextCache({ client, tableName: 'state', now });
    ddb.on(GetCommand, { Key: { pk: 'ipctx#8.8.8.8', sk: '-' } }).resolves({
      Item: {
        pk: 'ipctx#8.8.8.8',
        sk: '-',
        ttl: 1_700_000_100,
        c: { tor: true, city: 'X', isp: 7, evil: '<b>' },
      },
    });
    ddb
      .on(GetCommand, { Key: { pk: 'ipctx#1.1.1.1', sk: '-' } })
      .resolves({ Item: { pk: 'ipctx#1.1.1.1', sk: '-', ttl: 1_699_999_999, c: { tor: true } } });
    ddb.on(GetCommand, { Key: { pk: 'ipctx#9.9.9.9', sk: '-' } }).resolves({});
    expect(await cache.get('8.8.8.8')).toEqual({ ip: '8.8.8.8', tor: true, city: 'X' });
    expect(await cache.get('1.1.1.1')).toBeUndefined();
    expect(await cache.get('9.9.9.9')).toBeUndefined();
  });
});

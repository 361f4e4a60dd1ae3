import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Park orders (docs/provisioning.md, "Park orders"): where an order's tenant comes from, the park
 * tenant it took, the licences it sets and the sealed master-tenant token; and the record of the park
 * tenants this service took, written before a tenant is renamed.
 */

export class ParkOrders1796100000000 implements MigrationInterface {
    name = 'ParkOrders1796100000000';

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "orders" ADD "tenant_source" character varying(8) NOT NULL DEFAULT 'token'`);
        await queryRunner.query(`ALTER TABLE "orders" ADD "tenant_database_id" character varying(64)`);
        await queryRunner.query(`ALTER TABLE "orders" ADD "tenant_licenses" jsonb`);
        await queryRunner.query(`ALTER TABLE "orders" ADD "master_token_sealed" text`);
        await queryRunner.query(`CREATE TABLE "park_tenant_intents" ("id" integer GENERATED ALWAYS AS IDENTITY NOT NULL, "organization_id" integer NOT NULL, "order_id" integer, "server_url" character varying(2048) NOT NULL, "database_id" character varying(64) NOT NULL, "tenant_name" character varying(200) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_park_tenant_intents" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "UQ_park_tenant_intents_tenant" ON "park_tenant_intents" ("server_url", "database_id") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "UQ_park_tenant_intents_name" ON "park_tenant_intents" ("server_url", "tenant_name") `);
        await queryRunner.query(`ALTER TABLE "park_tenant_intents" ADD CONSTRAINT "FK_47b60bf6967cc6b165302b20550" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "park_tenant_intents" ADD CONSTRAINT "FK_07694f0740b7aece86ea34bc247" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE "park_tenant_intents"`);
        await queryRunner.query(`ALTER TABLE "orders" DROP COLUMN "master_token_sealed"`);
        await queryRunner.query(`ALTER TABLE "orders" DROP COLUMN "tenant_licenses"`);
        await queryRunner.query(`ALTER TABLE "orders" DROP COLUMN "tenant_database_id"`);
        await queryRunner.query(`ALTER TABLE "orders" DROP COLUMN "tenant_source"`);
    }

}

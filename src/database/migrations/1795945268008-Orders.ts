import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Provisioning orders and their step journal. */

export class Orders1795945268008 implements MigrationInterface {
    name = 'Orders1795945268008';

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "orders" ("id" integer GENERATED ALWAYS AS IDENTITY NOT NULL, "organization_id" integer NOT NULL, "status" character varying(16) NOT NULL, "tenant_server_url" character varying(2048) NOT NULL, "tenant_name" character varying(200) NOT NULL, "tenant_token_sealed" text, "callback_url" character varying(2048), "configuration" jsonb NOT NULL, "idempotency_key" character varying(255), "request_hash" character varying(64), "progress_done" integer NOT NULL DEFAULT '0', "progress_total" integer NOT NULL DEFAULT '0', "current_step" character varying(300), "error" jsonb, "result" jsonb, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "started_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, "locked_by" character varying(200), "locked_until" TIMESTAMP WITH TIME ZONE, "attempts" integer NOT NULL DEFAULT '0', "next_run_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_710e2d4957aa5878dfe94e4ac2f" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_orders_organization_id" ON "orders"  ("organization_id") `);
        // Declared with synchronize: false on the entity: partial indexes.
        // The executor's claim looks only at orders that may still need work.
        await queryRunner.query(`CREATE INDEX "IDX_orders_due" ON "orders" ("id") WHERE status IN ('NOT_STARTED', 'IN_PROGRESS')`);
        // One Idempotency-Key per organization; a key older than 24 hours is cleared before it is reused.
        await queryRunner.query(`CREATE UNIQUE INDEX "UQ_orders_idempotency_key" ON "orders" ("organization_id", "idempotency_key") WHERE idempotency_key IS NOT NULL`);
        await queryRunner.query(`CREATE TABLE "order_steps" ("order_id" integer NOT NULL, "seq" integer NOT NULL, "stage" integer NOT NULL, "kind" character varying(40) NOT NULL, "subject" character varying(300), "name" character varying(300) NOT NULL, "status" character varying(16) NOT NULL DEFAULT 'PENDING', "attempts" integer NOT NULL DEFAULT '0', "started_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, "error" jsonb, "output" jsonb, CONSTRAINT "PK_69925a7e90bf73f70a247497b6e" PRIMARY KEY ("order_id", "seq"))`);
        await queryRunner.query(`ALTER TABLE "orders" ADD CONSTRAINT "FK_3b13df1eb3b062fd5ed4ebc53bf" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "order_steps" ADD CONSTRAINT "FK_96f04cec3cdeadfe60bcf7b95f2" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "order_steps" DROP CONSTRAINT "FK_96f04cec3cdeadfe60bcf7b95f2"`);
        await queryRunner.query(`ALTER TABLE "orders" DROP CONSTRAINT "FK_3b13df1eb3b062fd5ed4ebc53bf"`);
        await queryRunner.query(`DROP TABLE "order_steps"`);
        await queryRunner.query(`DROP INDEX "public"."UQ_orders_idempotency_key"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_orders_due"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_orders_organization_id"`);
        await queryRunner.query(`DROP TABLE "orders"`);
    }

}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The plan an order must apply exactly (`If-Match` on POST /api/v1/provision; docs/provisioning.md, "Plan"). */
export class OrderPlanHash1796200000000 implements MigrationInterface {
    name = 'OrderPlanHash1796200000000';

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "orders" ADD "plan_hash" character varying(71)`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "orders" DROP COLUMN "plan_hash"`);
    }

}

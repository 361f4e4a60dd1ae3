import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A subtree's newest orders, organization by organization (docs/benchmarks.md, "Scale"): each
 * organization's orders newest first straight from the index, status included for the status filter.
 * It replaces the (organization_id) index, whose every use (foreign key, per-organization look-ups)
 * the (organization_id, id) index serves too.
 */

export class OrdersSubtreePageIndex1795949980411 implements MigrationInterface {
    name = 'OrdersSubtreePageIndex1795949980411';

    public async up(queryRunner: QueryRunner): Promise<void> {
        // Declared with synchronize: false on the entity: TypeORM cannot describe INCLUDE. With status in the
        // index, a status filter is answered index-only too.
        await queryRunner.query(`CREATE INDEX "IDX_orders_organization_id_id" ON "orders" ("organization_id", "id") INCLUDE ("status")`);
        await queryRunner.query(`DROP INDEX "public"."IDX_orders_organization_id"`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE INDEX "IDX_orders_organization_id" ON "orders" USING btree ("organization_id") `);
        await queryRunner.query(`DROP INDEX "public"."IDX_orders_organization_id_id"`);
    }

}

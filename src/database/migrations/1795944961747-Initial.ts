import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Organizations (a tree, with each row's ancestors) and their API keys. */

export class Initial1795944961747 implements MigrationInterface {
    name = 'Initial1795944961747';

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "organizations" ("id" integer GENERATED ALWAYS AS IDENTITY NOT NULL, "name" character varying(100) NOT NULL, "parent_id" integer, "ancestor_ids" integer array NOT NULL DEFAULT '{}', "disabled_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_6b031fcd0863e3f6b44230163f9" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_organizations_parent_id" ON "organizations"  ("parent_id") `);
        // Declared with synchronize: false on the entity: TypeORM cannot describe a GIN index.
        await queryRunner.query(`CREATE INDEX "IDX_organizations_ancestor_ids_gin" ON "organizations" USING GIN ("ancestor_ids")`);
        await queryRunner.query(`CREATE TABLE "api_keys" ("id" integer GENERATED ALWAYS AS IDENTITY NOT NULL, "organization_id" integer NOT NULL, "name" character varying(100) NOT NULL, "prefix" character varying(16) NOT NULL, "key_hash" bytea NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_used_at" TIMESTAMP WITH TIME ZONE, "expires_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_5c8a79801b44bd27b79228e1dad" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_api_keys_organization_id" ON "api_keys"  ("organization_id") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "UQ_api_keys_key_hash" ON "api_keys"  ("key_hash") `);
        await queryRunner.query(`ALTER TABLE "organizations" ADD CONSTRAINT "FK_f3a7c9411eaa5f9cbc5363de331" FOREIGN KEY ("parent_id") REFERENCES "organizations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "api_keys" ADD CONSTRAINT "FK_a283bdef18876e525aefaec042f" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "api_keys" DROP CONSTRAINT "FK_a283bdef18876e525aefaec042f"`);
        await queryRunner.query(`ALTER TABLE "organizations" DROP CONSTRAINT "FK_f3a7c9411eaa5f9cbc5363de331"`);
        await queryRunner.query(`DROP INDEX "public"."UQ_api_keys_key_hash"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_api_keys_organization_id"`);
        await queryRunner.query(`DROP TABLE "api_keys"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_organizations_ancestor_ids_gin"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_organizations_parent_id"`);
        await queryRunner.query(`DROP TABLE "organizations"`);
    }

}

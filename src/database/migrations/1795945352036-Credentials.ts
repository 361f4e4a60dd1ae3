import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Organization credentials: one sealed value per (organization, key); see src/credentials. */

export class Credentials1795945352036 implements MigrationInterface {
    name = 'Credentials1795945352036';

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "credentials" ("id" integer GENERATED ALWAYS AS IDENTITY NOT NULL, "organization_id" integer NOT NULL, "key" character varying(64) NOT NULL, "sealed_value" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_1e38bc43be6697cdda548ad27a6" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "UQ_credentials_organization_id_key" ON "credentials"  ("organization_id", "key") `);
        await queryRunner.query(`ALTER TABLE "credentials" ADD CONSTRAINT "FK_8d0eceb3f2737d5fc6d7a0a91d5" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "credentials" DROP CONSTRAINT "FK_8d0eceb3f2737d5fc6d7a0a91d5"`);
        await queryRunner.query(`DROP INDEX "public"."UQ_credentials_organization_id_key"`);
        await queryRunner.query(`DROP TABLE "credentials"`);
    }

}

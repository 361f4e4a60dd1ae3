import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import { IS_PUBLIC } from '../../src/common/auth/auth.decorators.js';
import type { TestApp } from './test-app.js';

export interface RouteInfo {
  /** e.g. `GET /api/v1/organizations/:id` */
  route: string;
  isPublic: boolean;
}

function join(...parts: string[]): string {
  return `/${parts.flatMap((part) => part.split('/')).filter(Boolean).join('/')}`;
}

/**
 * Every route the application serves, read from Nest's controllers, so that a test built on it
 * notices a new endpoint the moment it is added.
 */
export function listRoutes(app: TestApp): RouteInfo[] {
  const routes: RouteInfo[] = [];
  for (const module of app.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | undefined;
      if (!controller) continue;
      const prefixes = ([] as string[]).concat(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      const classPublic = Reflect.getMetadata(IS_PUBLIC, controller) === true;
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        const paths = ([] as string[]).concat(Reflect.getMetadata(PATH_METADATA, handler) ?? '');
        const isPublic = classPublic || Reflect.getMetadata(IS_PUBLIC, handler) === true;
        for (const prefix of prefixes) {
          for (const path of paths) routes.push({ route: `${RequestMethod[method]} ${join(prefix, path)}`, isPublic });
        }
      }
    }
  }
  return routes.sort((a, b) => a.route.localeCompare(b.route));
}

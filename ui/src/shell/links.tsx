/** Mantine's anchor and button as typed router links (checked paths and params). */
import { Anchor, Button, NavLink, type AnchorProps, type ButtonProps } from '@mantine/core';
import { createLink } from '@tanstack/react-router';
import { forwardRef, type AnchorHTMLAttributes } from 'react';

type AnchorElementProps = AnchorProps & AnchorHTMLAttributes<HTMLAnchorElement>;

export const AnchorLink = createLink(
  forwardRef<HTMLAnchorElement, AnchorElementProps>((props, ref) => (
    <Anchor ref={ref} {...props} />
  )),
);

export const ButtonLink = createLink(
  forwardRef<HTMLAnchorElement, ButtonProps & AnchorHTMLAttributes<HTMLAnchorElement>>(
    (props, ref) => <Button component="a" ref={ref} {...props} />,
  ),
);

export const NavLinkLink = createLink(NavLink);
